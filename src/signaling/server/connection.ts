/**
 * One client WebSocket: validates and rate-limits what arrives, turns it into broker events, and
 * answers every invalid input with `{type:'error', code, message, ref}`. Never throws out of a
 * socket handler. Per connection it keeps a handful of numbers and no timers after `hello`, and no
 * closures: the socket's listeners are shared by every connection and find theirs via the socket.
 */
import WebSocket, { type RawData } from 'ws';
import { ErrorCodes, type ErrorCode } from '../../errors.js';
import type { Timer } from '../../util/clock.js';
import {
  encode,
  parseClientMessage,
  PROTOCOL_VERSION,
  type ClientMessage,
  type ServerMessage,
} from '../protocol.js';
import type { Broker } from './broker.js';
import { CloseCodes } from './close-codes.js';
import type { ServerObserver } from './observer.js';
import type { ResolvedOptions } from './options.js';
import { spendTokens } from './rate-limit.js';
import type { ClientFacts, ConnId, SessionId } from './state.js';

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly opts: ResolvedOptions;
  readonly broker: Broker;
  readonly observer: ServerObserver;
  /** The socket closed: forget the connection (and report a socket loss if it had a session). */
  onClosed(conn: Connection): void;
}

/**
 * The server's WebSocket class (`new WebSocketServer({ WebSocket: ServerSocket })`): a `ws`
 * WebSocket that points at its Connection, so the listeners need not close over it.
 */
export class ServerSocket extends WebSocket {
  conn: Connection | null = null;

  /**
   * A pong marks the connection alive. Done here rather than by a fourth listener, which would
   * double the size of ws's per-socket listener table (~100 B per connection). Events still reach
   * their listeners unchanged.
   */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'pong' && this.conn) this.conn.alive = true;
    return super.emit(event, ...args);
  }
}

/** How long a slow consumer gets to read its close frame before the socket is dropped. */
const SLOW_CONSUMER_GRACE_MS = 1000;

const connOf = (ws: WebSocket): Connection | null => (ws instanceof ServerSocket ? ws.conn : null);

export class Connection {
  sessionId: SessionId | null = null;
  /** Answered the last heartbeat ping (or sent anything since). */
  alive = true;
  /** The WebSocket close code, once closed. */
  closeCode = 0;
  /** Salted hash of `ip`: what logs, reports and bans use. */
  readonly ipHash: string;
  #helloSeen = false;
  /** We are closing it: ignore further input. */
  #retired = false;
  #overflow = 0;
  #violations = 0;
  #helloTimer: Timer | undefined;
  // Two token buckets (messages; join + next) kept as fields, not objects: ~60 B less per connection.
  #msgTokens: number;
  #msgAt: number;
  #joinTokens: number;
  #joinAt: number;

  constructor(
    readonly id: ConnId,
    readonly ws: ServerSocket,
    readonly ip: string,
    readonly host: ConnectionHost,
  ) {
    const { clock, messageRate, joinRate, keys } = host.opts;
    this.ipHash = keys.ipHash(ip);
    this.#msgAt = this.#joinAt = clock.now();
    this.#msgTokens = messageRate.burst;
    this.#joinTokens = joinRate.burst;
  }

  /** Wires the socket's events and starts the hello timeout. */
  start(): void {
    const { ws } = this;
    const { clock, helloTimeoutMs } = this.host.opts;
    ws.conn = this;
    ws.on('message', Connection.#socketMessage);
    ws.on('error', Connection.#socketError);
    ws.on('close', Connection.#socketClose);
    if (helloTimeoutMs > 0) {
      this.#helloTimer = clock.setTimeout(() => {
        this.#helloTimer = undefined;
        if (this.#helloSeen) return;
        this.error(ErrorCodes.HELLO_REQUIRED, `no hello within ${helloTimeoutMs} ms`);
        this.close(CloseCodes.HELLO_TIMEOUT, 'hello timeout');
      }, helloTimeoutMs);
    }
  }

  send(msg: ServerMessage): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(encode(msg));
    this.host.observer.sent(this.id, this.sessionId, msg);
    const cap = this.host.opts.maxBufferedBytes;
    if (cap > 0 && this.ws.bufferedAmount > cap && !this.#retired) {
      // A client that does not read would make us buffer without bound: disconnect it.
      this.#retired = true;
      this.error(ErrorCodes.SLOW_CONSUMER, `more than ${cap} bytes unread; disconnecting`);
      this.close(CloseCodes.SLOW_CONSUMER, 'slow consumer');
      // It is not reading, so it will not answer the close frame either: drop it soon.
      const { clock } = this.host.opts;
      const ws = this.ws;
      const timer = clock.setTimeout(() => ws.terminate(), SLOW_CONSUMER_GRACE_MS);
      ws.once('close', () => clock.clearTimeout(timer));
    }
  }

  error(code: ErrorCode, message: string, ref?: string): void {
    this.send(ref === undefined ? { type: 'error', code, message } : { type: 'error', code, message, ref });
  }

  /** Closes the socket with `code`; input after this is ignored. */
  close(code: number, reason: string): void {
    this.#retired = true;
    this.#clearHelloTimer();
    try {
      this.ws.close(code, reason);
    } catch (err) {
      this.host.opts.logger.debug('close failed', { conn: this.id, err });
      this.ws.terminate();
    }
  }

  // Socket listeners, one function for all connections (`this` is the socket).

  static #socketMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    const conn = connOf(this);
    if (!conn) return;
    try {
      conn.#onMessage(data, isBinary);
    } catch (err) {
      conn.#failed(err);
    }
  }

  static #socketError(this: WebSocket, err: Error): void {
    const conn = connOf(this);
    conn?.host.opts.logger.debug('socket error', { conn: conn.id, err });
  }

  static #socketClose(this: WebSocket, code: number): void {
    const conn = connOf(this);
    if (!conn) return;
    conn.closeCode = code;
    try {
      conn.#onClose();
    } catch (err) {
      conn.#failed(err);
    }
  }

  #failed(err: unknown): void {
    this.host.opts.logger.error('connection handler failed', { conn: this.id, err });
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#retired) return;
    this.alive = true;
    const { opts, broker } = this.host;
    const now = opts.clock.now();
    const msgLeft = spendTokens(opts.messageRate, this.#msgTokens, this.#msgAt, now);
    if (msgLeft < 0) return this.#flooding();
    this.#msgTokens = msgLeft;
    this.#msgAt = Math.max(this.#msgAt, now);
    this.#overflow = 0;
    if (isBinary) return this.#violation(ErrorCodes.BINARY_FRAME, 'binary frames are not accepted');
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (buf.length > opts.maxMessageBytes) {
      return this.#violation(ErrorCodes.TOO_LARGE, `message larger than ${opts.maxMessageBytes} bytes`);
    }
    const text = buf.toString('utf8');
    const parsed = parseClientMessage(text, opts.maxMessageBytes);
    if (!parsed.ok) {
      const { code, message, ref } = parsed.error;
      if (!this.#helloSeen && ref === 'hello' && this.#versionMismatch(peekVersion(text))) return;
      return this.#violation(code, message, ref);
    }
    const msg = parsed.msg;
    if (!this.#helloSeen) {
      if (msg.type !== 'hello')
        return this.#violation(ErrorCodes.HELLO_REQUIRED, 'send hello first', msg.type);
      if (this.#versionMismatch(msg.v)) return;
      this.#helloSeen = true;
      this.#clearHelloTimer();
      const facts = this.#facts(msg);
      if (msg.resumeToken !== undefined) {
        const event = { type: 'resume', conn: this.id, resumeToken: msg.resumeToken, ...facts } as const;
        broker.dispatch(msg.interests === undefined ? event : { ...event, interests: msg.interests });
      } else {
        broker.dispatch({ type: 'hello', conn: this.id, interests: msg.interests ?? [], ...facts });
      }
      return;
    }
    if (msg.type === 'hello')
      return this.#violation(ErrorCodes.ALREADY_HELLO, 'hello was already said', 'hello');
    if (msg.type === 'ping') return this.send({ type: 'pong', t: msg.t });
    const session = this.sessionId;
    if (session === null) return;
    switch (msg.type) {
      case 'join':
      case 'next':
      case 'block':
      case 'report': {
        const joinLeft = spendTokens(opts.joinRate, this.#joinTokens, this.#joinAt, now);
        if (joinLeft < 0) {
          return this.error(
            ErrorCodes.JOIN_RATE_LIMITED,
            `too many ${msg.type} requests; slow down`,
            msg.type,
          );
        }
        this.#joinTokens = joinLeft;
        this.#joinAt = Math.max(this.#joinAt, now);
        if (msg.type === 'next') return broker.dispatch({ type: 'next', session });
        if (msg.type === 'block') return broker.dispatch({ type: 'block', session });
        if (msg.type === 'report') return broker.dispatch({ type: 'report', session, reason: msg.reason });
        return broker.dispatch(
          msg.interests === undefined
            ? { type: 'join', session }
            : { type: 'join', session, interests: msg.interests },
        );
      }
      case 'leave':
      case 'bye':
        return broker.dispatch({ type: msg.type, session });
      case 'signal':
        return broker.dispatch({
          type: 'signal',
          session,
          matchId: msg.matchId,
          gen: msg.gen,
          data: msg.data,
        });
      case 'rebuild':
        return broker.dispatch({ type: 'rebuild', session, matchId: msg.matchId });
      default: {
        const never: never = msg;
        throw new Error(`unhandled client message ${JSON.stringify(never)}`);
      }
    }
  }

  /** The client's keyed identity and the blocks its tags name (tags only open with an identity). */
  #facts(msg: Extract<ClientMessage, { type: 'hello' }>): ClientFacts {
    const facts: ClientFacts = { ipHash: this.ipHash };
    if (msg.identity === undefined) return facts;
    const { keys } = this.host.opts;
    const identity = keys.identity(msg.identity);
    facts.identity = identity;
    const blocked = (msg.blockTags ?? []).flatMap((t) => keys.openTag(identity, t) ?? []);
    if (blocked.length > 0) facts.blocked = blocked;
    return facts;
  }

  /** Sends ERR_VERSION_MISMATCH and closes 4001 if `v` is a number other than ours. */
  #versionMismatch(v: number | undefined): boolean {
    if (v === undefined || v === PROTOCOL_VERSION) return false;
    const message = `server speaks protocol ${PROTOCOL_VERSION}, client ${v}`;
    this.error(ErrorCodes.VERSION_MISMATCH, message, 'hello');
    this.close(CloseCodes.VERSION_MISMATCH, 'protocol version mismatch');
    return true;
  }

  #violation(code: ErrorCode, message: string, ref?: string): void {
    this.error(code, message, ref);
    const max = this.host.opts.maxProtocolErrors;
    if (max > 0 && ++this.#violations >= max)
      this.close(CloseCodes.PROTOCOL_ERRORS, 'too many invalid messages');
  }

  #flooding(): void {
    this.#overflow += 1;
    if (this.#overflow === 1) this.error(ErrorCodes.RATE_LIMITED, 'too many messages; slow down');
    if (this.#overflow >= this.host.opts.floodCloseAfter) this.close(CloseCodes.RATE_LIMITED, 'flooding');
  }

  #onClose(): void {
    this.#retired = true;
    this.#clearHelloTimer();
    this.host.onClosed(this);
  }

  #clearHelloTimer(): void {
    if (this.#helloTimer === undefined) return;
    this.host.opts.clock.clearTimeout(this.#helloTimer);
    this.#helloTimer = undefined;
  }
}

/** Reads `v` from a hello that failed validation, so a newer client still learns about the version. */
function peekVersion(text: string): number | undefined {
  try {
    const o: unknown = JSON.parse(text);
    if (typeof o === 'object' && o !== null && 'v' in o && typeof o.v === 'number') return o.v;
  } catch {
    // not JSON: the caller reports the parse error
  }
  return undefined;
}
