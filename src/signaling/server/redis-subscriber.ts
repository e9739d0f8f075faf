/**
 * The node's relay channel subscription on a plain socket: SUBSCRIBE, then every pushed `message`
 * goes to `onMessage` as text. It replaces an ioredis subscriber on the relay's hot path, where
 * ioredis' generic reply decoding and event plumbing cost a few µs per message (docs/benchmarks.md
 * § 5); this reads exactly the replies a subscription gets. A close, an error, a `-ERR` or an opening
 * that Redis does not answer within `timeoutMs` drops the socket; it reconnects and subscribes again
 * after a backoff (100 ms, growing to 500 ms), as ioredis would.
 */
import type { Socket } from 'node:net';
import type { Clock, Timer } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import {
  opening,
  openSocket,
  parseRedisUrl,
  ReplyReader,
  resp,
  RespError,
  type RedisTarget,
  type RespValue,
} from './redis-wire.js';

export interface SubscriberOptions {
  url: string;
  /** CLIENT SETNAME. */
  name: string;
  channel: string;
  clock: Clock;
  logger: Logger;
  /** The opening (AUTH, SETNAME, SUBSCRIBE) must be answered within this. */
  timeoutMs: number;
  /** One message published on the channel. */
  onMessage(text: string): void;
  /** Subscribed (true), or the connection failed (false, with why). */
  onState?(subscribed: boolean, why: string): void;
}

export class RedisSubscriber {
  readonly #opts: SubscriberOptions;
  readonly #target: RedisTarget;
  #socket: Socket | null = null;
  #subscribed = false;
  #closed = false;
  readonly #reader = new ReplyReader();
  #deadline: Timer | undefined;
  #reconnect: Timer | undefined;
  #failures = 0;

  constructor(opts: SubscriberOptions) {
    this.#opts = opts;
    this.#target = parseRedisUrl(opts.url);
    this.#connect();
  }

  get subscribed(): boolean {
    return this.#subscribed;
  }

  close(): void {
    this.#closed = true;
    this.#drop();
    this.#opts.clock.clearTimeout(this.#reconnect);
  }

  #connect(): void {
    const { clock, timeoutMs, name, channel } = this.#opts;
    const socket = openSocket(this.#target, () => {
      const cmds = [...opening(this.#target, name), ['SUBSCRIBE', channel]];
      socket.write(cmds.map((c) => resp(...c)).join(''));
    });
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => this.#fail(`socket error: ${err.message}`));
    socket.on('close', () => this.#fail('connection closed'));
    this.#deadline = clock.setTimeout(() => {
      this.#deadline = undefined;
      this.#fail(`no answer from Redis within ${timeoutMs} ms`);
    }, timeoutMs);
  }

  #onData(chunk: Buffer): void {
    try {
      this.#reader.feed(chunk, (v) => this.#handle(v));
    } catch (err) {
      this.#fail((err as Error).message);
    }
  }

  /** One reply; false when it failed the connection. */
  #handle(v: RespValue): boolean {
    if (v instanceof RespError) {
      this.#fail(`Redis refused: ${v.message}`);
      return false;
    }
    if (!Array.isArray(v)) return true; // +OK of AUTH / CLIENT SETNAME
    if (v[0] === 'message' && typeof v[2] === 'string') {
      try {
        this.#opts.onMessage(v[2]);
      } catch (err) {
        this.#opts.logger.error('bad relay message', { err });
      }
    } else if (v[0] === 'subscribe' && !this.#subscribed) {
      this.#subscribed = true;
      this.#failures = 0;
      this.#opts.clock.clearTimeout(this.#deadline);
      this.#deadline = undefined;
      this.#opts.onState?.(true, 'subscribed');
    }
    return true;
  }

  #fail(why: string): void {
    if (this.#socket === null) return;
    this.#drop();
    if (this.#closed) return;
    // A refusal (bad password, missing ACL rights) is worth a warning once, not every retry.
    const level = why.startsWith('Redis refused') && this.#failures === 0 ? 'warn' : 'debug';
    this.#opts.logger[level]('redis subscriber reconnecting', { why });
    this.#opts.onState?.(false, why);
    this.#failures += 1;
    this.#reconnect = this.#opts.clock.setTimeout(
      () => {
        this.#reconnect = undefined;
        if (!this.#closed) this.#connect();
      },
      Math.min(this.#failures * 100, 500),
    );
  }

  #drop(): void {
    this.#opts.clock.clearTimeout(this.#deadline);
    this.#deadline = undefined;
    this.#subscribed = false;
    this.#reader.reset();
    const s = this.#socket;
    this.#socket = null;
    s?.destroy();
  }
}
