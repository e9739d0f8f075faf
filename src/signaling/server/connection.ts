/**
 * One client WebSocket: rate-limits what arrives, has it validated and turned into broker events
 * (connection-input.ts), keeps it in order, and answers every invalid input with
 * `{type:'error', code, message, ref}`. Never throws out of a socket handler. Per connection it keeps
 * a handful of numbers and no timers after `hello`, and no closures: the socket's listeners are
 * shared by every connection and find theirs via the socket.
 *
 * Pipelining: a client may send more right after `hello`. What arrives before the broker has bound
 * the session (asynchronous with Redis) is held, at most MAX_EARLY messages (each already counted
 * against the message rate), and processed in order once it is bound, each held event carried out
 * before the next, so the answers come in the order of the requests.
 */
import WebSocket, { type RawData } from 'ws';
import { ErrorCodes, type ErrorCode } from '../../errors.js';
import type { Timer } from '../../util/clock.js';
import { encode, PROTOCOL_VERSION, type ServerMessage } from '../protocol.js';
import type { Broker } from './broker.js';
import { CloseCodes } from './close-codes.js';
import { clientFacts, helloEvent, JOIN_LIMITED, readFrame, toEvent, type Input } from './connection-input.js';
import type { ServerObserver } from './observer.js';
import type { ResolvedOptions } from './options.js';
import { spendTokens } from './rate-limit.js';
import { ServerSocket } from './server-socket.js';
import type { ConnId, SessionId } from './state.js';

export { ServerSocket } from './server-socket.js';

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly opts: ResolvedOptions;
  readonly broker: Broker;
  readonly observer: ServerObserver;
  /** The socket closed: forget the connection (and report a socket loss if it had a session). */
  onClosed(conn: Connection): void;
}

/** How long a slow consumer gets to read its close frame before the socket is dropped. */
const SLOW_CONSUMER_GRACE_MS = 1000;
/** Messages held between `hello` and the session being bound; more are dropped (ERR_RATE_LIMITED). */
export const MAX_EARLY = 16;
/** Marks where held messages started being dropped. */
const OVERFLOW = 'overflow';

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
  /** Messages received after hello, before the session was bound (or while those are processed). */
  #early: (Input | typeof OVERFLOW)[] | null = null;
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
    this.#checkBuffered();
  }

  /** A relayed `signal` another node already encoded (see Delivery.sendEncoded). */
  sendEncoded(text: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(text);
    this.host.observer.relayed();
    this.#checkBuffered();
  }

  #checkBuffered(): void {
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

  /** The broker bound this connection to `session`: process what arrived meanwhile, in order. */
  bind(session: string): void {
    this.sessionId = session;
    // After the bind's own effects (the welcome): the broker is still carrying them out.
    if (this.#early) queueMicrotask(() => void this.#drain());
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
    const input = readFrame(data, isBinary, opts.maxMessageBytes);
    if (this.#helloSeen) {
      if (this.sessionId === null || this.#early) return this.#hold(input);
      return void this.#handle(input);
    }
    if (!input.ok) {
      if (input.ref === 'hello' && this.#versionMismatch(input.v)) return;
      return this.#violation(input.code, input.message, input.ref);
    }
    const msg = input.msg;
    if (msg.type !== 'hello') return this.#violation(ErrorCodes.HELLO_REQUIRED, 'send hello first', msg.type);
    if (this.#versionMismatch(msg.v)) return;
    this.#helloSeen = true;
    this.#clearHelloTimer();
    void broker.dispatch(helloEvent(msg, this.id, clientFacts(msg, this.ipHash, opts.keys)));
  }

  #hold(input: Input): void {
    const early = (this.#early ??= []);
    if (early.length < MAX_EARLY) early.push(input);
    else if (early[early.length - 1] !== OVERFLOW) early.push(OVERFLOW);
  }

  /** Processes the held messages in order, each broker event carried out before the next. */
  async #drain(): Promise<void> {
    const early = this.#early;
    if (!early) return;
    try {
      for (let item = early.shift(); item !== undefined; item = early.shift()) {
        if (this.#retired || this.sessionId === null) break;
        if (item === OVERFLOW) {
          const message = `more than ${MAX_EARLY} messages before welcome; the rest were dropped`;
          this.error(ErrorCodes.RATE_LIMITED, message);
          continue;
        }
        await this.#handle(item);
      }
    } catch (err) {
      this.#failed(err);
    } finally {
      this.#early = null;
    }
  }

  /** One message of a session that said hello; resolves when the broker has carried it out. */
  #handle(input: Input): void | Promise<void> {
    if (!input.ok) return this.#violation(input.code, input.message, input.ref);
    const msg = input.msg;
    if (msg.type === 'hello')
      return this.#violation(ErrorCodes.ALREADY_HELLO, 'hello was already said', 'hello');
    if (msg.type === 'ping') return this.send({ type: 'pong', t: msg.t });
    const session = this.sessionId;
    if (session === null) return;
    if (JOIN_LIMITED.has(msg.type)) {
      const { opts } = this.host;
      const now = opts.clock.now();
      const joinLeft = spendTokens(opts.joinRate, this.#joinTokens, this.#joinAt, now);
      if (joinLeft < 0) {
        return this.error(ErrorCodes.JOIN_RATE_LIMITED, `too many ${msg.type} requests; slow down`, msg.type);
      }
      this.#joinTokens = joinLeft;
      this.#joinAt = Math.max(this.#joinAt, now);
    }
    return this.host.broker.dispatch(toEvent(msg, session));
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
