/**
 * The pure half of a client connection (connection.ts): one WebSocket frame → a validated message
 * or the coded error it earns, and a validated message → the broker event it stands for. No socket,
 * no state: the connection keeps the limits and the order.
 */
import type { RawData } from 'ws';
import { ErrorCodes, type ErrorCode } from '../../errors.js';
import { parseClientMessage, type ClientMessage } from '../protocol.js';
import type { ServerKeys } from './secrets.js';
import type { ClientEvent, ClientFacts, ConnId, SessionId } from './state.js';

/** What one frame turned into. `v`: the version a failed `hello` announced, if it named one. */
export type Input =
  | { ok: true; msg: ClientMessage }
  | { ok: false; code: ErrorCode; message: string; ref?: string; v?: number };

/** Validates one frame: text only, at most `maxBytes`, a well-formed client message. */
export function readFrame(data: RawData, isBinary: boolean, maxBytes: number): Input {
  if (isBinary)
    return { ok: false, code: ErrorCodes.BINARY_FRAME, message: 'binary frames are not accepted' };
  const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  if (buf.length > maxBytes) {
    return { ok: false, code: ErrorCodes.TOO_LARGE, message: `message larger than ${maxBytes} bytes` };
  }
  const text = buf.toString('utf8');
  const parsed = parseClientMessage(text, maxBytes);
  if (parsed.ok) return parsed;
  const { code, message, ref } = parsed.error;
  const input: Input = ref === undefined ? { ok: false, code, message } : { ok: false, code, message, ref };
  if (ref === 'hello') {
    const v = peekVersion(text);
    if (v !== undefined) input.v = v;
  }
  return input;
}

/** Messages that spend the `join`/`next` budget. */
export const JOIN_LIMITED: ReadonlySet<ClientMessage['type']> = new Set(['join', 'next', 'block', 'report']);

type SessionMessage = Exclude<ClientMessage, { type: 'hello' | 'ping' }>;

/** The broker event for a message of a session that said hello. */
export function toEvent(msg: SessionMessage, session: SessionId): ClientEvent {
  switch (msg.type) {
    case 'join':
      return msg.interests === undefined
        ? { type: 'join', session }
        : { type: 'join', session, interests: msg.interests };
    case 'next':
    case 'block':
    case 'leave':
    case 'bye':
      return { type: msg.type, session };
    case 'report':
      return { type: 'report', session, reason: msg.reason };
    case 'signal':
      return { type: 'signal', session, matchId: msg.matchId, gen: msg.gen, data: msg.data };
    case 'rebuild':
      return { type: 'rebuild', session, matchId: msg.matchId };
    default: {
      const never: never = msg;
      throw new Error(`unhandled client message ${JSON.stringify(never)}`);
    }
  }
}

/** The broker event for a `hello`: a resume when it carries a token. */
export function helloEvent(
  msg: Extract<ClientMessage, { type: 'hello' }>,
  conn: ConnId,
  facts: ClientFacts,
): ClientEvent {
  if (msg.resumeToken === undefined) {
    return { type: 'hello', conn, interests: msg.interests ?? [], ...facts };
  }
  const event = { type: 'resume', conn, resumeToken: msg.resumeToken, ...facts } as const;
  return msg.interests === undefined ? event : { ...event, interests: msg.interests };
}

/** The client's keyed identity and the blocks its tags name (tags only open with an identity). */
export function clientFacts(
  msg: Extract<ClientMessage, { type: 'hello' }>,
  ipHash: string,
  keys: Pick<ServerKeys, 'identity' | 'openTag'>,
): ClientFacts {
  const facts: ClientFacts = { ipHash };
  if (msg.identity === undefined) return facts;
  const identity = keys.identity(msg.identity);
  facts.identity = identity;
  const blocked = (msg.blockTags ?? []).flatMap((t) => keys.openTag(identity, t) ?? []);
  if (blocked.length > 0) facts.blocked = blocked;
  return facts;
}

/** Reads `v` from a hello that failed validation, so a newer client still learns about the version. */
export function peekVersion(text: string): number | undefined {
  try {
    const o: unknown = JSON.parse(text);
    if (typeof o === 'object' && o !== null && 'v' in o && typeof o.v === 'number') return o.v;
  } catch {
    // not JSON: the caller reports the parse error
  }
  return undefined;
}
