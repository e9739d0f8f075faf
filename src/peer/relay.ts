/**
 * Relay-only privacy helpers for PeerLink (`--relay-only`): which ICE servers can relay, and
 * scrubbing what we signal so that only relay candidates, with blanked related addresses, leave.
 */
import type { IceServer } from '../signaling/protocol.js';

/** A TURN server with credentials (werift gathers relay-only only with one). */
export function hasTurnCredentials(servers: IceServer[]): boolean {
  return servers.some(
    (s) =>
      s.username !== undefined && s.credential !== undefined && urlsOf(s).some((u) => /^turns?:/i.test(u)),
  );
}
const urlsOf = (s: IceServer): string[] => (Array.isArray(s.urls) ? s.urls : [s.urls]);
export function isLoopbackTurn(s: IceServer): boolean {
  return urlsOf(s).every((u) => /^turns?:(\/\/)?127\.0\.0\.1(:\d+)?(\?.*)?$/i.test(u));
}

export const isRelayCandidate = (candidate: string): boolean => / typ relay( |$)/.test(candidate);
/** Blanks a relay candidate's related address (our address as the TURN server saw it), like browsers do. */
export const scrubRelated = (candidate: string): string =>
  candidate.replace(/ raddr \S+ rport \d+/, ' raddr 0.0.0.0 rport 0');
/** relayOnly: an SDP with only relay candidates, related addresses blanked. */
export function relayOnlySdp(sdp: string): string {
  return sdp
    .split(/(?<=\n)/)
    .filter((line) => !line.startsWith('a=candidate:') || isRelayCandidate(line.trimEnd()))
    .map((line) => (line.startsWith('a=candidate:') ? scrubRelated(line) : line))
    .join('');
}
