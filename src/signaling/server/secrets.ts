/**
 * The server's keyed hashes, all derived from one server secret (`--secret-file` /
 * RANDCHAT_SERVER_SECRET; random per process by default):
 *
 * - `ipHash(ip)`: a salted HMAC of a client address, for logs, reports and the ban file. Raw
 *   addresses are never logged.
 * - `identity(raw)`: the HMAC of a client's self-chosen `hello.identity`; the server never keeps
 *   the raw value. Sessions without one are known by their session id.
 * - `peerTag(observer, stranger)` / `openTag(observer, tag)`: the opaque block token a client gets
 *   with `matched`. Deterministic per (observer, stranger) pair, different for every observer (two
 *   users cannot compare tags to learn they met the same person), and readable only by the server:
 *   a synthetic-IV AES-256-GCM encryption of the stranger's identity, the IV being an HMAC of both
 *   identities. A tag opens only for the observer it was issued to.
 *
 * And TURN REST-API credentials (coturn `use-auth-secret`), from the TURN secret shared with coturn.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IceServer, ServerMessage } from '../protocol.js';

export interface ServerKeys {
  ipHash(ip: string): string;
  identity(raw: string): string;
  peerTag(observer: string, stranger: string): string;
  /** The stranger identity inside `tag`, or null if it is not a tag this server issued to `observer`. */
  openTag(observer: string, tag: string): string | null;
}

const IV_BYTES = 12;
const AUTH_BYTES = 16;

export function deriveKeys(secret: string | Buffer = randomBytes(32)): ServerKeys {
  const sub = (label: string): Buffer => createHmac('sha256', secret).update(label).digest();
  const ipKey = sub('randchat/ip');
  const idKey = sub('randchat/identity');
  const ivKey = sub('randchat/tag-iv');
  const encKey = sub('randchat/tag-enc');
  const siv = (observer: string, stranger: string): Buffer =>
    createHmac('sha256', ivKey).update(`${observer}\0${stranger}`).digest().subarray(0, IV_BYTES);
  return {
    ipHash: (ip) => createHmac('sha256', ipKey).update(normalizeIp(ip)).digest('hex').slice(0, 20),
    identity: (raw) => 'i:' + createHmac('sha256', idKey).update(raw).digest('base64url').slice(0, 32),
    peerTag(observer, stranger) {
      const iv = siv(observer, stranger);
      const cipher = createCipheriv('aes-256-gcm', encKey, iv);
      const ct = Buffer.concat([cipher.update(stranger, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64url');
    },
    openTag(observer, tag) {
      const raw = Buffer.from(tag, 'base64url');
      if (raw.length <= IV_BYTES + AUTH_BYTES) return null;
      const iv = raw.subarray(0, IV_BYTES);
      try {
        const decipher = createDecipheriv('aes-256-gcm', encKey, iv);
        decipher.setAuthTag(raw.subarray(raw.length - AUTH_BYTES));
        const ct = raw.subarray(IV_BYTES, raw.length - AUTH_BYTES);
        const stranger = Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
        return timingSafeEqual(iv, siv(observer, stranger)) ? stranger : null;
      } catch {
        return null;
      }
    },
  };
}

/** `::ffff:1.2.3.4` and `1.2.3.4` are the same client. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip.toLowerCase();
}

export interface IceConfig {
  stun: string[];
  turn: string[];
  /** coturn's `static-auth-secret`; without it TURN URLs are handed out without credentials. */
  turnSecret?: string | undefined;
  turnTtlSec: number;
}

/** coturn REST API (`use-auth-secret`): username `expiry:user`, credential base64(HMAC-SHA1(secret, username)). */
export function turnCredentials(
  secret: string,
  user: string,
  ttlSec: number,
  nowMs: number,
): { username: string; credential: string } {
  const username = `${Math.floor(nowMs / 1000) + ttlSec}:${user}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

/** The ICE servers for one session: STUN as is, TURN with fresh credentials when a secret is set. */
export function iceServersFor(ice: IceConfig, user: string, nowMs: number): IceServer[] {
  const out: IceServer[] = [];
  if (ice.stun.length > 0) out.push({ urls: ice.stun });
  if (ice.turn.length > 0) {
    out.push(
      ice.turnSecret === undefined
        ? { urls: ice.turn }
        : { urls: ice.turn, ...turnCredentials(ice.turnSecret, user, ice.turnTtlSec, nowMs) },
    );
  }
  return out;
}

/**
 * Adds the session's ICE servers to what the server sends: `welcome` gets the static list plus
 * fresh credentials (refreshed on every resume); `matched` and `rebuild` get fresh credentials
 * when TURN credentials are issued, so a client always holds ones valid for a whole match.
 */
export function withIceServers(
  msg: ServerMessage,
  ice: IceConfig & { fixed: IceServer[] },
  session: string,
  nowMs: number,
): ServerMessage {
  if (ice.stun.length === 0 && ice.turn.length === 0) return msg;
  switch (msg.type) {
    case 'welcome':
      return { ...msg, iceServers: [...ice.fixed, ...iceServersFor(ice, session, nowMs)] };
    case 'matched':
    case 'rebuild':
      return ice.turnSecret === undefined || ice.turn.length === 0
        ? msg
        : { ...msg, iceServers: [...ice.fixed, ...iceServersFor(ice, session, nowMs)] };
    default:
      return msg;
  }
}
