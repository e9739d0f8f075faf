/**
 * The randchat signaling protocol, shared by client and server (docs/protocol.md documents it).
 *
 * Transport: one WebSocket, UTF-8 JSON text frames, one message per frame, each an object keyed on
 * `type`. Binary frames are refused. The client speaks first with `hello`.
 *
 * Every message from the network goes through {@link parseClientMessage} (server side) or
 * {@link parseServerMessage} (client side), which return a typed message or a coded error.
 */
import { ErrorCodes, type ErrorCode } from '../errors.js';

export const PROTOCOL_VERSION = 1;

/** Largest frame either side accepts by default (bytes). SDP offers are ~2–6 KB. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
export const MAX_SDP_CHARS = 32 * 1024;
export const MAX_CANDIDATE_CHARS = 1024;
export const MAX_ID_CHARS = 64;
export const MAX_TOKEN_CHARS = 128;
export const MAX_INTERESTS = 10;
export const MAX_INTEREST_CHARS = 32;
export const MAX_ERROR_MESSAGE_CHARS = 500;
/** Block tags a `hello` may carry (the client sends its most recent ones). */
export const MAX_BLOCK_TAGS = 256;
export const MAX_TAG_CHARS = 128;
/** A client identity: 16–128 characters, opaque to the server (which only keeps an HMAC of it). */
export const MIN_IDENTITY_CHARS = 16;
export const MAX_REPORT_CHARS = 500;

export type Role = 'offerer' | 'answerer';
export type LeaveReason = 'skipped' | 'left' | 'disconnected';

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** WebRTC negotiation payloads. The server relays them opaquely to the sender's partner. */
export type SignalData =
  | { kind: 'description'; type: 'offer' | 'answer'; sdp: string }
  | { kind: 'candidate'; candidate: string; sdpMid: string | null; sdpMLineIndex: number | null }
  | { kind: 'end-of-candidates' };

export interface MatchInfo {
  matchId: string;
  role: Role;
  /** Peer-connection generation; bumped by every `rebuild`. Signals of other generations are dropped. */
  gen: number;
  /** Interests both sides share (empty when matched at random). */
  interests: string[];
}

// ---------------------------------------------------------------- client → server
export type ClientMessage =
  | {
      type: 'hello';
      v: number;
      interests?: string[];
      resumeToken?: string;
      client?: string;
      /** A random secret the client keeps across runs, so its blocks (and blocks of it) persist. */
      identity?: string;
      /** `peerTag`s of strangers this client blocked earlier: never match them again. */
      blockTags?: string[];
    }
  | { type: 'join'; interests?: string[] }
  | { type: 'next' }
  | { type: 'leave' }
  | { type: 'signal'; matchId: string; gen: number; data: SignalData }
  | { type: 'rebuild'; matchId: string }
  | { type: 'ping'; t: number }
  | { type: 'bye' }
  /** Never match me with my current (or, if none, my last) stranger again. */
  | { type: 'block' }
  /** Report my current (or last) stranger to the operator. */
  | { type: 'report'; reason: string };
export type ClientMessageType = ClientMessage['type'];

// ---------------------------------------------------------------- server → client
export type ServerMessage =
  | {
      type: 'welcome';
      v: number;
      sessionId: string;
      resumeToken: string;
      resumed: boolean;
      /** The current match when `resumed` and the partner is still there. */
      match: MatchInfo | null;
      graceMs: number;
      heartbeatMs: number;
      iceServers: IceServer[];
      maxMessageBytes: number;
    }
  | { type: 'queued' }
  | ({ type: 'matched' } & MatchInfo & {
        /** Fresh ICE servers for this match (short-lived TURN credentials); newer than `welcome`'s. */
        iceServers?: IceServer[];
        /** An opaque tag for this stranger, unique to you: store it to block them in later sessions. */
        peerTag?: string;
      })
  | { type: 'signal'; matchId: string; gen: number; data: SignalData }
  | { type: 'rebuild'; matchId: string; gen: number; role: Role; iceServers?: IceServer[] }
  | { type: 'partner-reconnecting'; matchId: string; graceMs: number }
  | { type: 'partner-resumed'; matchId: string }
  | { type: 'partner-left'; matchId: string; reason: LeaveReason }
  | { type: 'pong'; t: number }
  | { type: 'error'; code: ErrorCode | string; message: string; ref?: string }
  | { type: 'shutdown'; reason: string };
export type ServerMessageType = ServerMessage['type'];

export interface ProtocolError {
  code: ErrorCode;
  message: string;
  /** The `type` of the offending message, when it could be read. */
  ref?: string;
}
export type ParseResult<T> = { ok: true; msg: T } | { ok: false; error: ProtocolError };

// ---------------------------------------------------------------- helpers

const LEAVE_REASONS: readonly LeaveReason[] = ['skipped', 'left', 'disconnected'];
const ROLES: readonly Role[] = ['offerer', 'answerer'];
const INTEREST_RE = /^[\p{L}\p{N}][\p{L}\p{N} _+#.-]*$/u;

/** Normalises a list of interests: trimmed, lower-cased, de-duplicated, order kept. Throws on invalid. */
export function normalizeInterests(input: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of input) {
    const s = raw.trim().toLowerCase().replace(/\s+/g, ' ');
    if (s === '') continue;
    if (s.length > MAX_INTEREST_CHARS || !INTEREST_RE.test(s)) {
      throw new InterestError(`invalid interest ${JSON.stringify(raw.slice(0, 40))}`);
    }
    if (!out.includes(s)) out.push(s);
  }
  if (out.length > MAX_INTERESTS) throw new InterestError(`at most ${MAX_INTERESTS} interests`);
  return out;
}
export class InterestError extends Error {
  readonly code = ErrorCodes.BAD_MESSAGE;
}

class Invalid extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
const bad = (message: string): never => {
  throw new Invalid(ErrorCodes.BAD_MESSAGE, message);
};

type Obj = Record<string, unknown>;
function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function str(o: Obj, key: string, max: number, opts: { min?: number } = {}): string {
  const v = o[key];
  if (typeof v !== 'string') return bad(`"${key}" must be a string`);
  if (v.length < (opts.min ?? 1)) return bad(`"${key}" must not be empty`);
  if (v.length > max) return bad(`"${key}" is longer than ${max} characters`);
  return v;
}
function optStr(o: Obj, key: string, max: number): string | undefined {
  return o[key] === undefined ? undefined : str(o, key, max);
}
function int(o: Obj, key: string, min: number, max: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    return bad(`"${key}" must be an integer in [${min}, ${max}]`);
  }
  return v;
}
function num(o: Obj, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) return bad(`"${key}" must be a finite number`);
  return v;
}
function oneOf<T extends string>(o: Obj, key: string, allowed: readonly T[]): T {
  const v = o[key];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    return bad(`"${key}" must be one of ${allowed.join(', ')}`);
  }
  return v as T;
}
function interests(o: Obj, key: string): string[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length > MAX_INTERESTS * 2 || !v.every((x) => typeof x === 'string')) {
    return bad(`"${key}" must be an array of at most ${MAX_INTERESTS} strings`);
  }
  try {
    return normalizeInterests(v as string[]);
  } catch (err) {
    return bad((err as Error).message);
  }
}
function nullable<T>(o: Obj, key: string, read: () => T): T | null {
  return o[key] === null || o[key] === undefined ? null : read();
}

function parseSignalData(v: unknown): SignalData {
  if (!isObj(v)) return bad('"data" must be an object');
  const kind = oneOf(v, 'kind', ['description', 'candidate', 'end-of-candidates'] as const);
  switch (kind) {
    case 'description':
      return {
        kind,
        type: oneOf(v, 'type', ['offer', 'answer'] as const),
        sdp: str(v, 'sdp', MAX_SDP_CHARS),
      };
    case 'candidate':
      return {
        kind,
        candidate: str(v, 'candidate', MAX_CANDIDATE_CHARS, { min: 0 }),
        sdpMid: nullable(v, 'sdpMid', () => str(v, 'sdpMid', MAX_ID_CHARS, { min: 0 })),
        sdpMLineIndex: nullable(v, 'sdpMLineIndex', () => int(v, 'sdpMLineIndex', 0, 255)),
      };
    case 'end-of-candidates':
      return { kind };
    default: {
      const never: never = kind;
      return bad(`unknown signal kind ${String(never)}`);
    }
  }
}

function parseIceServers(v: unknown): IceServer[] {
  if (!Array.isArray(v) || v.length > 16) return bad('"iceServers" must be an array');
  return v.map((s): IceServer => {
    if (!isObj(s)) return bad('ice server must be an object');
    const urls = s['urls'];
    const okUrls =
      typeof urls === 'string' ||
      (Array.isArray(urls) && urls.length > 0 && urls.every((u) => typeof u === 'string'));
    if (!okUrls) return bad('"urls" must be a string or array of strings');
    const out: IceServer = { urls: urls as string | string[] };
    const username = optStr(s, 'username', 512);
    const credential = optStr(s, 'credential', 512);
    if (username !== undefined) out.username = username;
    if (credential !== undefined) out.credential = credential;
    return out;
  });
}

function stringList(o: Obj, key: string, maxItems: number, maxChars: number): string[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length > maxItems)
    return bad(`"${key}" must be an array of at most ${maxItems}`);
  return v.map((x): string =>
    typeof x === 'string' && x.length > 0 && x.length <= maxChars
      ? x
      : bad(`"${key}" items must be strings of 1–${maxChars} characters`),
  );
}

function parseMatchInfo(o: Obj): MatchInfo {
  return {
    matchId: str(o, 'matchId', MAX_ID_CHARS),
    role: oneOf(o, 'role', ROLES),
    gen: int(o, 'gen', 0, 1_000_000),
    interests: interests(o, 'interests') ?? [],
  };
}

/** Turns a raw frame (string, or already-parsed JSON) into an object with a string `type`. */
function envelope(raw: unknown, maxBytes: number): Obj {
  let value = raw;
  if (typeof raw === 'string') {
    if (Buffer.byteLength(raw, 'utf8') > maxBytes) {
      throw new Invalid(ErrorCodes.TOO_LARGE, `message larger than ${maxBytes} bytes`);
    }
    try {
      value = JSON.parse(raw);
    } catch {
      throw new Invalid(ErrorCodes.BAD_JSON, 'message is not valid JSON');
    }
  }
  if (!isObj(value)) throw new Invalid(ErrorCodes.BAD_MESSAGE, 'message must be a JSON object');
  if (typeof value['type'] !== 'string') throw new Invalid(ErrorCodes.BAD_MESSAGE, 'message needs a "type"');
  return value;
}

function run<T>(raw: unknown, maxBytes: number, body: (o: Obj, type: string) => T): ParseResult<T> {
  let type: string | undefined;
  try {
    const o = envelope(raw, maxBytes);
    type = (o['type'] as string).slice(0, 32);
    return { ok: true, msg: body(o, o['type'] as string) };
  } catch (err) {
    if (err instanceof Invalid) {
      const error: ProtocolError = { code: err.code, message: err.message };
      if (type !== undefined) error.ref = type;
      return { ok: false, error };
    }
    throw err;
  }
}

function unknownType(type: string): never {
  throw new Invalid(ErrorCodes.UNKNOWN_TYPE, `unknown message type ${JSON.stringify(type.slice(0, 32))}`);
}

/** Every client → server message type (the docs test checks docs/protocol.md lists each). */
export const CLIENT_MESSAGE_TYPES: readonly ClientMessageType[] = [
  'hello',
  'join',
  'next',
  'leave',
  'signal',
  'rebuild',
  'ping',
  'bye',
  'block',
  'report',
];

/** Validates a client → server message (server side). */
export function parseClientMessage(raw: unknown, maxBytes = MAX_MESSAGE_BYTES): ParseResult<ClientMessage> {
  return run(raw, maxBytes, (o, rawType): ClientMessage => {
    if (!(CLIENT_MESSAGE_TYPES as readonly string[]).includes(rawType)) return unknownType(rawType);
    const type = rawType as ClientMessageType;
    switch (type) {
      case 'hello': {
        const msg: ClientMessage = { type, v: int(o, 'v', 0, 1_000_000) };
        const i = interests(o, 'interests');
        const resumeToken = optStr(o, 'resumeToken', MAX_TOKEN_CHARS);
        const client = optStr(o, 'client', MAX_ID_CHARS);
        if (i !== undefined) msg.interests = i;
        if (resumeToken !== undefined) msg.resumeToken = resumeToken;
        if (client !== undefined) msg.client = client;
        const identity = optStr(o, 'identity', MAX_TOKEN_CHARS);
        if (identity !== undefined) {
          if (identity.length < MIN_IDENTITY_CHARS) bad(`"identity" needs ${MIN_IDENTITY_CHARS}+ characters`);
          msg.identity = identity;
        }
        const blockTags = stringList(o, 'blockTags', MAX_BLOCK_TAGS, MAX_TAG_CHARS);
        if (blockTags !== undefined) msg.blockTags = blockTags;
        return msg;
      }
      case 'join': {
        const i = interests(o, 'interests');
        return i === undefined ? { type } : { type, interests: i };
      }
      case 'next':
      case 'leave':
      case 'bye':
      case 'block':
        return { type };
      case 'report':
        return { type, reason: str(o, 'reason', MAX_REPORT_CHARS) };
      case 'signal':
        return {
          type,
          matchId: str(o, 'matchId', MAX_ID_CHARS),
          gen: int(o, 'gen', 0, 1_000_000),
          data: parseSignalData(o['data']),
        };
      case 'rebuild':
        return { type, matchId: str(o, 'matchId', MAX_ID_CHARS) };
      case 'ping':
        return { type, t: num(o, 't') };
      default: {
        const never: never = type;
        return unknownType(String(never));
      }
    }
  });
}

/** Every server → client message type. */
export const SERVER_MESSAGE_TYPES: readonly ServerMessageType[] = [
  'welcome',
  'queued',
  'matched',
  'signal',
  'rebuild',
  'partner-reconnecting',
  'partner-resumed',
  'partner-left',
  'pong',
  'error',
  'shutdown',
];

/** Validates a server → client message (client side). */
export function parseServerMessage(raw: unknown, maxBytes = MAX_MESSAGE_BYTES): ParseResult<ServerMessage> {
  return run(raw, maxBytes, (o, rawType): ServerMessage => {
    if (!(SERVER_MESSAGE_TYPES as readonly string[]).includes(rawType)) return unknownType(rawType);
    const type = rawType as ServerMessageType;
    switch (type) {
      case 'welcome': {
        const match = o['match'];
        return {
          type,
          v: int(o, 'v', 0, 1_000_000),
          sessionId: str(o, 'sessionId', MAX_ID_CHARS),
          resumeToken: str(o, 'resumeToken', MAX_TOKEN_CHARS),
          resumed: o['resumed'] === true,
          match:
            match === null || match === undefined
              ? null
              : isObj(match)
                ? parseMatchInfo(match)
                : bad('"match" must be an object'),
          graceMs: int(o, 'graceMs', 0, 3_600_000),
          heartbeatMs: int(o, 'heartbeatMs', 0, 3_600_000),
          iceServers: parseIceServers(o['iceServers'] ?? []),
          maxMessageBytes: int(o, 'maxMessageBytes', 1, 1 << 30),
        };
      }
      case 'queued':
        return { type };
      case 'matched': {
        const msg: ServerMessage = { type, ...parseMatchInfo(o) };
        if (o['iceServers'] !== undefined) msg.iceServers = parseIceServers(o['iceServers']);
        const peerTag = optStr(o, 'peerTag', MAX_TAG_CHARS);
        if (peerTag !== undefined) msg.peerTag = peerTag;
        return msg;
      }
      case 'signal':
        return {
          type,
          matchId: str(o, 'matchId', MAX_ID_CHARS),
          gen: int(o, 'gen', 0, 1_000_000),
          data: parseSignalData(o['data']),
        };
      case 'rebuild': {
        const msg: ServerMessage = {
          type,
          matchId: str(o, 'matchId', MAX_ID_CHARS),
          gen: int(o, 'gen', 0, 1_000_000),
          role: oneOf(o, 'role', ROLES),
        };
        if (o['iceServers'] !== undefined) msg.iceServers = parseIceServers(o['iceServers']);
        return msg;
      }
      case 'partner-reconnecting':
        return { type, matchId: str(o, 'matchId', MAX_ID_CHARS), graceMs: int(o, 'graceMs', 0, 3_600_000) };
      case 'partner-resumed':
        return { type, matchId: str(o, 'matchId', MAX_ID_CHARS) };
      case 'partner-left':
        return { type, matchId: str(o, 'matchId', MAX_ID_CHARS), reason: oneOf(o, 'reason', LEAVE_REASONS) };
      case 'pong':
        return { type, t: num(o, 't') };
      case 'error': {
        const msg: ServerMessage = {
          type,
          code: str(o, 'code', 64),
          message: str(o, 'message', MAX_ERROR_MESSAGE_CHARS, { min: 0 }),
        };
        const ref = optStr(o, 'ref', 32);
        if (ref !== undefined) msg.ref = ref;
        return msg;
      }
      case 'shutdown':
        return { type, reason: str(o, 'reason', MAX_ERROR_MESSAGE_CHARS, { min: 0 }) };
      default: {
        const never: never = type;
        return unknownType(String(never));
      }
    }
  });
}

/** Serialises a message for the wire. */
export function encode(msg: ClientMessage | ServerMessage): string {
  return JSON.stringify(msg);
}
