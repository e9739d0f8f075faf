/**
 * SignalingClient: one WebSocket to the signaling server, with hello/resume, an app-level
 * heartbeat (pong watchdog) and automatic reconnection driven by a pure {@link ReconnectPolicy}.
 *
 * It knows nothing about peers or chat: it validates every frame with parseServerMessage and
 * re-emits typed messages. The Session decides what they mean.
 */
import WebSocket from 'ws';
import { ErrorCodes, ExitCodes, RandchatError } from '../errors.js';
import { systemClock, type Clock, type Timer } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import {
  PROTOCOL_VERSION,
  encode,
  parseServerMessage,
  type ClientMessage,
  type ServerMessage,
} from './protocol.js';
import { DefaultReconnectPolicy, type ReconnectPolicy } from './reconnect-policy.js';

export type WelcomeMessage = Extract<ServerMessage, { type: 'welcome' }>;

export interface SignalingClientOptions {
  url: string;
  interests?: string[];
  clientName?: string;
  clock?: Clock;
  logger?: Logger;
  policy?: ReconnectPolicy;
  /** App heartbeat interval (ms). The socket is dropped and re-opened after 3 missed pongs. */
  pingIntervalMs?: number;
  /** How long one connection attempt may take (ms). */
  connectTimeoutMs?: number;
  /** Extra CA certificate(s) (PEM) to trust for `wss://` (tests, private servers). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Fields added to every `hello` (read at each connect: block tags may have grown). */
  helloExtras?: () => { identity?: string; blockTags?: string[] };
}

export type SignalingClientEvents = {
  /** A welcome arrived (first connect or after a reconnect; see `resumed`). */
  welcome: [WelcomeMessage];
  /** Any other validated server message. */
  message: [Exclude<ServerMessage, { type: 'welcome' | 'pong' }>];
  /** The socket dropped; automatic reconnection follows unless closed. */
  down: [{ code: number; reason: string }];
  reconnecting: [{ attempt: number; delayMs: number }];
  /** Reconnection was given up, or the server refused us for good. */
  fatal: [RandchatError];
};

export class SignalingClient extends TypedEmitter<SignalingClientEvents> {
  readonly #opts: SignalingClientOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #policy: ReconnectPolicy;
  #ws: WebSocket | null = null;
  #up = false;
  #closed = false;
  #resumeToken: string | undefined;
  #welcome: WelcomeMessage | null = null;
  #pingTimer: Timer | undefined;
  #retryTimer: Timer | undefined;
  #lastPongAt = 0;
  #attempt = 0;
  #downSince = 0;
  #connecting: Promise<WelcomeMessage> | null = null;

  constructor(opts: SignalingClientOptions) {
    super();
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#log = opts.logger ?? silentLogger;
    this.#policy = opts.policy ?? new DefaultReconnectPolicy();
  }

  get isUp(): boolean {
    return this.#up;
  }
  get welcome(): WelcomeMessage | null {
    return this.#welcome;
  }

  /** Connects and says hello. Rejects with a RandchatError when the server cannot be reached. */
  connect(): Promise<WelcomeMessage> {
    if (this.#closed) return Promise.reject(closedError());
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  /** Skip the backoff: try to reconnect now (used by /reconnect). Resolves on welcome. */
  async reconnectNow(): Promise<WelcomeMessage> {
    if (this.#up && this.#welcome) return this.#welcome;
    this.#clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    try {
      return await this.connect();
    } catch (err) {
      if ((err as RandchatError).code !== ErrorCodes.VERSION_MISMATCH) this.#scheduleRetry();
      throw err;
    }
  }

  /** Sends a message; returns false (and drops nothing silently: the caller decides) when down. */
  send(msg: ClientMessage): boolean {
    const ws = this.#ws;
    if (!this.#up || !ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(encode(msg));
    return true;
  }

  /** Says bye (ends the server session), closes, and stops reconnecting. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#clock.clearTimeout(this.#retryTimer);
    this.#stopPing();
    const ws = this.#ws;
    this.#ws = null;
    this.#up = false;
    if (!ws) return;
    await new Promise<void>((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) return resolve();
      const t = this.#clock.setTimeout(() => {
        ws.terminate();
        resolve();
      }, 1000);
      ws.once('close', () => {
        this.#clock.clearTimeout(t);
        resolve();
      });
      if (ws.readyState === WebSocket.OPEN) {
        ws.send(encode({ type: 'bye' }));
        ws.close(1000, 'bye');
      } else {
        ws.terminate();
      }
    });
  }

  #open(): Promise<WelcomeMessage> {
    return new Promise<WelcomeMessage>((resolve, reject) => {
      const hello: ClientMessage = { type: 'hello', v: PROTOCOL_VERSION };
      if (this.#opts.interests?.length) hello.interests = this.#opts.interests;
      if (this.#resumeToken) hello.resumeToken = this.#resumeToken;
      if (this.#opts.clientName) hello.client = this.#opts.clientName;
      const extras = this.#opts.helloExtras?.() ?? {};
      if (extras.identity !== undefined) hello.identity = extras.identity;
      if (extras.blockTags?.length) hello.blockTags = extras.blockTags;

      let settled = false;
      const ws = new WebSocket(this.#opts.url, {
        perMessageDeflate: false,
        maxPayload: 1 << 20,
        ...(this.#opts.ca === undefined ? {} : { ca: this.#opts.ca }),
      });
      this.#ws = ws;
      const timeout = this.#clock.setTimeout(() => {
        fail(
          new RandchatError(ErrorCodes.SIGNALING_UNREACHABLE, `no answer from ${this.#opts.url}`, {
            exitCode: ExitCodes.SIGNALING,
          }),
        );
        ws.terminate();
      }, this.#opts.connectTimeoutMs ?? 10_000);
      const fail = (err: RandchatError): void => {
        if (settled) return;
        settled = true;
        this.#clock.clearTimeout(timeout);
        reject(err);
      };

      ws.on('open', () => ws.send(encode(hello)));
      ws.on('error', (err) => {
        this.#log.debug('socket error', { err: err.message });
        fail(
          new RandchatError(
            ErrorCodes.SIGNALING_UNREACHABLE,
            `cannot reach signaling server ${this.#opts.url}: ${err.message}`,
            { exitCode: ExitCodes.SIGNALING, cause: err },
          ),
        );
      });
      ws.on('message', (data, isBinary) => {
        if (isBinary) return this.#log.warn('ignoring binary frame from server');
        const parsed = parseServerMessage(data.toString());
        if (!parsed.ok) {
          return this.#log.warn('bad message from server', { ...parsed.error });
        }
        const msg = parsed.msg;
        if (msg.type === 'welcome') {
          this.#clock.clearTimeout(timeout);
          this.#onWelcome(msg);
          if (!settled) {
            settled = true;
            resolve(msg);
          }
          return;
        }
        if (msg.type === 'pong') {
          this.#lastPongAt = this.#clock.now();
          return;
        }
        if (!settled && msg.type === 'error') {
          const fatal = msg.code === ErrorCodes.VERSION_MISMATCH;
          const err = new RandchatError(
            fatal ? ErrorCodes.VERSION_MISMATCH : ErrorCodes.SIGNALING_CLOSED,
            msg.message,
            { exitCode: fatal ? ExitCodes.PROTOCOL : ExitCodes.SIGNALING },
          );
          if (fatal) this.#closed = true;
          fail(err);
          return;
        }
        this.emit('message', msg);
      });
      ws.on('close', (code, reasonBuf) => {
        const reason = reasonBuf.toString();
        if (this.#ws === ws) this.#ws = null;
        fail(
          new RandchatError(
            ErrorCodes.SIGNALING_CLOSED,
            `signaling closed (${code}${reason ? ' ' + reason : ''})`,
            {
              exitCode: ExitCodes.SIGNALING,
            },
          ),
        );
        const wasUp = this.#up;
        this.#up = false;
        this.#stopPing();
        if (this.#closed) return;
        if (wasUp) {
          this.#downSince = this.#clock.now();
          this.#attempt = 0;
          this.emit('down', { code, reason });
          this.#scheduleRetry();
        }
      });
    });
  }

  #onWelcome(msg: WelcomeMessage): void {
    this.#welcome = msg;
    this.#resumeToken = msg.resumeToken;
    this.#up = true;
    this.#attempt = 0;
    this.#startPing();
    this.emit('welcome', msg);
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#retryTimer !== undefined) return;
    const attempt = ++this.#attempt;
    const delayMs = this.#policy.nextRetryDelayMs({
      attempt: attempt - 1,
      elapsedMs: this.#clock.now() - this.#downSince,
    });
    if (delayMs === null) {
      this.emit(
        'fatal',
        new RandchatError(ErrorCodes.SIGNALING_UNREACHABLE, 'gave up reconnecting to the signaling server', {
          exitCode: ExitCodes.SIGNALING,
        }),
      );
      return;
    }
    this.emit('reconnecting', { attempt, delayMs });
    this.#retryTimer = this.#clock.setTimeout(() => {
      this.#retryTimer = undefined;
      this.connect().catch((err: RandchatError) => {
        this.#log.debug('reconnect attempt failed', { attempt, err: err.message });
        if (err.code === ErrorCodes.VERSION_MISMATCH) return void this.emit('fatal', err);
        this.#scheduleRetry();
      });
    }, delayMs);
  }

  #startPing(): void {
    this.#stopPing();
    const interval = this.#opts.pingIntervalMs ?? 5000;
    this.#lastPongAt = this.#clock.now();
    this.#pingTimer = this.#clock.setInterval(() => {
      const ws = this.#ws;
      if (!ws) return;
      if (this.#clock.now() - this.#lastPongAt > interval * 3) {
        this.#log.info('signaling heartbeat lost; dropping socket');
        ws.terminate();
        return;
      }
      this.send({ type: 'ping', t: this.#clock.now() });
    }, interval);
  }

  #stopPing(): void {
    this.#clock.clearInterval(this.#pingTimer);
    this.#pingTimer = undefined;
  }
}

function closedError(): RandchatError {
  return new RandchatError(ErrorCodes.SESSION_CLOSED, 'signaling client is closed');
}
