/**
 * The peer-to-peer data-channel protocol: small JSON text frames, one message per frame, keyed on `t`.
 * The stranger is untrusted: every received frame goes through {@link parsePeerMessage}.
 *
 * - `msg`    chat text; the receiver answers every `msg` (even a duplicate) with `ack`.
 * - `ack`    the receiver got message `id`.
 * - `typing` the sender is typing (throttled by the sender).
 * - `ping` / `pong` application heartbeat; `pong` echoes `n`.
 * - `bye`    the sender is leaving: `skipped` (pressed next) or `left` (quit).
 * - `media`  what the sender sends now: `video`, `audio` (false = paused/muted/none), `recording`.
 */
import { ErrorCodes } from '../errors.js';
import type { ParseResult } from '../signaling/protocol.js';

/** Longest chat text, in Unicode code points. Longer texts are refused, never truncated. */
export const MAX_TEXT_CHARS = 1000;
/** Largest frame either side accepts (UTF-8 bytes). Fits 1000 four-byte code points plus the envelope. */
export const MAX_FRAME_BYTES = 4096;
/** Longest message id. */
export const MAX_PEER_ID_CHARS = 64;
const ID_RE = /^[A-Za-z0-9_.:-]+$/;
const MAX_SEQ = 2 ** 31 - 1;

export type ByeReason = 'skipped' | 'left';
export const BYE_REASONS: readonly ByeReason[] = ['skipped', 'left'];

export type PeerMessage =
  | { t: 'msg'; id: string; text: string }
  | { t: 'ack'; id: string }
  | { t: 'typing' }
  | { t: 'ping'; n: number }
  | { t: 'pong'; n: number }
  | { t: 'bye'; reason: ByeReason }
  | { t: 'media'; video: boolean; audio: boolean; recording: boolean };
export type PeerMessageType = PeerMessage['t'];
const TYPES: readonly PeerMessageType[] = ['msg', 'ack', 'typing', 'ping', 'pong', 'bye', 'media'];

/** Number of Unicode code points (what {@link MAX_TEXT_CHARS} counts). */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function encodePeerMessage(msg: PeerMessage): string {
  return JSON.stringify(msg);
}

class Invalid extends Error {}
const bad = (message: string): never => {
  throw new Invalid(message);
};

type Obj = Record<string, unknown>;
function id(o: Obj): string {
  const v = o['id'];
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_PEER_ID_CHARS || !ID_RE.test(v)) {
    return bad(`"id" must be 1-${MAX_PEER_ID_CHARS} characters of [A-Za-z0-9_.:-]`);
  }
  return v;
}
function seq(o: Obj): number {
  const v = o['n'];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_SEQ) {
    return bad(`"n" must be an integer in [0, ${MAX_SEQ}]`);
  }
  return v;
}
function flag(o: Obj, key: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') return bad(`"${key}" must be a boolean`);
  return v;
}
function text(o: Obj): string {
  const v = o['text'];
  if (typeof v !== 'string' || v.length === 0) return bad('"text" must be a non-empty string');
  if (codePointLength(v) > MAX_TEXT_CHARS) return bad(`"text" is longer than ${MAX_TEXT_CHARS} characters`);
  return v;
}

/** Validates one frame from the stranger. Unknown extra fields are ignored. */
export function parsePeerMessage(raw: string): ParseResult<PeerMessage> {
  let ref: string | undefined;
  try {
    if (Buffer.byteLength(raw, 'utf8') > MAX_FRAME_BYTES) bad(`frame larger than ${MAX_FRAME_BYTES} bytes`);
    let o: unknown;
    try {
      o = JSON.parse(raw);
    } catch {
      return bad('frame is not valid JSON');
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return bad('frame must be a JSON object');
    const obj = o as Obj;
    const rawType = obj['t'];
    if (typeof rawType !== 'string') return bad('frame needs a string "t"');
    ref = rawType.slice(0, 32);
    if (!(TYPES as readonly string[]).includes(rawType))
      return bad(`unknown frame type ${JSON.stringify(ref)}`);
    const t = rawType as PeerMessageType;
    let msg: PeerMessage;
    switch (t) {
      case 'msg':
        msg = { t, id: id(obj), text: text(obj) };
        break;
      case 'ack':
        msg = { t, id: id(obj) };
        break;
      case 'typing':
        msg = { t };
        break;
      case 'ping':
      case 'pong':
        msg = { t, n: seq(obj) };
        break;
      case 'bye': {
        const reason = obj['reason'];
        if (typeof reason !== 'string' || !(BYE_REASONS as readonly string[]).includes(reason)) {
          return bad(`"reason" must be one of ${BYE_REASONS.join(', ')}`);
        }
        msg = { t, reason: reason as ByeReason };
        break;
      }
      case 'media':
        msg = { t, video: flag(obj, 'video'), audio: flag(obj, 'audio'), recording: flag(obj, 'recording') };
        break;
      default: {
        const never: never = t;
        return bad(`unknown frame type ${String(never)}`);
      }
    }
    return { ok: true, msg };
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    const error = { code: ErrorCodes.BAD_PEER_MESSAGE, message: err.message };
    return { ok: false, error: ref === undefined ? error : { ...error, ref } };
  }
}
