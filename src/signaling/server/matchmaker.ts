/**
 * The matchmaker: a deterministic state machine `step(state, event, now, rng) → {state, effects}`.
 * No sockets, no timers, no I/O — the broker feeds it events and carries out its effects
 * (send / close / bind / schedule / cancel).
 *
 * For speed at 10k sessions `step` updates `state` in place and returns it: treat the state you
 * passed in as consumed. Given the same state, event, time and rng it always does the same thing.
 *
 * Decisions worth knowing (docs/protocol.md repeats them):
 * - The offerer of a new match is chosen at random; `rebuild` bumps `gen` and keeps the roles.
 * - `next`: the partner gets `partner-left{skipped}` and becomes idle; the sender is re-queued
 *   (`queued`, then `matched` when paired). `leave`: partner-left{left}, both idle. `bye`: leave and
 *   end the session (close 1000, resume token void).
 * - A queued session that loses its socket leaves the queue at once and re-joins it on resume.
 * - An unknown or expired resume token starts a fresh session (`welcome{resumed:false}`).
 * - Signals while the partner is in its grace window are dropped (the pair rebuilds after resume).
 * - `block` adds the current (else last) partner's identity to the session's block set, which
 *   pairing honours both ways; it does not end the match (the client sends `next`). `report` emits
 *   a report effect for the operator's log. Both answer ERR_NO_STRANGER when there is nobody.
 *
 * Split in three: this file (the event switch, relay and moderation), matchmaker-sessions.ts (hello,
 * resume, socket loss, removal) and matchmaker-pairs.ts (queue, pairing, ending a match).
 */
import { ErrorCodes } from '../../errors.js';
import type { ServerMessage } from '../protocol.js';
import { CloseCodes } from './close-codes.js';
import {
  currentMatch,
  endMatch,
  error,
  join,
  leave,
  partnerOf,
  requeue,
  roleOf,
  tryMatch,
  type Ctx,
} from './matchmaker-pairs.js';
import { addBlocks, hello, removeSession, resume, socketLost } from './matchmaker-sessions.js';
import type { Rng } from './rng.js';
import {
  identityOf,
  type MatchEvent,
  type MatchState,
  type SessionRecord,
  type StepResult,
} from './state.js';

export function step(state: MatchState, event: MatchEvent, now: number, rng: Rng): StepResult {
  const cx: Ctx = { st: state, now, rng, fx: [] };
  if (event.type === 'hello') {
    hello(cx, event.conn, event.interests, event);
  } else if (event.type === 'resume') {
    resume(cx, event.conn, event.resumeToken, event.interests, event);
  } else {
    const s = state.sessions.get(event.session);
    if (s) dispatch(cx, s, event);
  }
  return { state, effects: cx.fx };
}

/** Client actions that need a live socket; a session in its grace window cannot send them. */
const NEEDS_SOCKET: ReadonlySet<MatchEvent['type']> = new Set(['join', 'next', 'signal', 'rebuild']);

function dispatch(cx: Ctx, s: SessionRecord, event: Exclude<MatchEvent, { type: 'hello' | 'resume' }>): void {
  if (!s.connected && NEEDS_SOCKET.has(event.type)) return;
  switch (event.type) {
    case 'join':
      return join(cx, s, event.interests);
    case 'next':
      if (s.status === 'matched') endMatch(cx, s, 'skipped');
      return requeue(cx, s);
    case 'leave':
      return leave(cx, s, 'left');
    case 'bye':
      leave(cx, s, 'left');
      removeSession(cx, s, !s.connected);
      cx.fx.push({ type: 'close', to: s.id, code: CloseCodes.NORMAL, reason: 'bye' });
      return;
    case 'socket-lost':
      return socketLost(cx, s);
    case 'grace-expired':
      if (s.connected) return;
      leave(cx, s, 'disconnected');
      return removeSession(cx, s, false);
    case 'interest-window-expired':
      s.interestTimer = false;
      if (s.status !== 'waiting') return;
      cx.st.queue.open(s.id);
      return tryMatch(cx, s);
    case 'wake':
      if (s.status === 'waiting') tryMatch(cx, s);
      return;
    case 'signal': {
      const m = currentMatch(cx, s, event.matchId, 'signal');
      if (!m) return;
      if (event.gen !== m.gen) {
        return error(
          cx,
          s,
          ErrorCodes.STALE_MATCH,
          `generation ${event.gen} is stale (now ${m.gen})`,
          'signal',
        );
      }
      const msg: ServerMessage = { type: 'signal', matchId: m.id, gen: m.gen, data: event.data };
      cx.fx.push({ type: 'send', to: partnerOf(m, s.id), msg });
      return;
    }
    case 'rebuild': {
      const m = currentMatch(cx, s, event.matchId, 'rebuild');
      if (!m) return;
      m.gen += 1;
      for (const id of [m.a, m.b]) {
        cx.fx.push({
          type: 'send',
          to: id,
          msg: { type: 'rebuild', matchId: m.id, gen: m.gen, role: roleOf(m, id) },
        });
      }
      return;
    }
    case 'block':
    case 'report':
      return moderate(cx, s, event);
    default: {
      const never: never = event;
      throw new Error(`unhandled matchmaker event ${JSON.stringify(never)}`);
    }
  }
}

// ---------------------------------------------------------------- moderation

/** `block` / `report` against the current partner, else the last one. */
function moderate(
  cx: Ctx,
  s: SessionRecord,
  event: { type: 'block' } | { type: 'report'; reason: string },
): void {
  const m = s.matchId === null ? undefined : cx.st.matches.get(s.matchId);
  const partner = m ? cx.st.sessions.get(partnerOf(m, s.id)) : undefined;
  const identity = partner ? identityOf(partner) : s.lastPartnerIdentity;
  const matchId = m?.id ?? s.lastMatchId;
  if (identity === undefined || matchId === null) {
    return error(cx, s, ErrorCodes.NO_STRANGER, `no stranger to ${event.type}`, event.type);
  }
  if (event.type === 'block') return addBlocks(s, [identity]);
  const reported = m ? partnerOf(m, s.id) : (s.lastPartner ?? '');
  const report = {
    matchId,
    reporter: s.id,
    reported,
    reporterIpHash: s.ipHash ?? null,
    reportedIpHash: (partner ? partner.ipHash : s.lastPartnerIpHash) ?? null,
    reason: event.reason,
  };
  cx.fx.push({ type: 'report', report });
}
