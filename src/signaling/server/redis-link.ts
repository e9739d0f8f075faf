/**
 * One plain-socket connection to Redis that keeps itself up, for the relay's publisher and
 * subscriber (redis-publisher.ts, redis-subscriber.ts): it connects, sends AUTH (when the URL has a
 * password) and CLIENT SETNAME, then the role's own opening commands, and hands every later reply to
 * the role. An error reply (`-ERR …`), bytes that are not RESP, a socket error or close, or an awaited
 * answer that does not come within `timeoutMs` drop the socket; it reconnects after a backoff
 * (100 ms, growing to 500 ms) until closed. A refusal (bad password, missing ACL rights) is logged
 * as a warning once, then at debug level while it keeps failing.
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

export interface LinkOptions {
  url: string;
  /** CLIENT SETNAME. */
  name: string;
  /** What the connection is for, in logs: `redis <role> reconnecting`. */
  role: string;
  clock: Clock;
  logger: Logger;
  /** An awaited answer (the opening's, or one the role awaits) must come within this. */
  timeoutMs: number;
  /** The role's commands, sent after AUTH and CLIENT SETNAME on every connect. */
  opening: string[][];
  /** One reply to the role's commands (never an error: those fail the link). */
  onReply(v: Exclude<RespValue, RespError>): void;
  /** The connection is gone (it comes back by itself unless closed). */
  onDown(why: string): void;
}

export class RedisLink {
  readonly #opts: LinkOptions;
  readonly #target: RedisTarget;
  readonly #reader = new ReplyReader();
  #socket: Socket | null = null;
  #closed = false;
  /** `+OK`s of AUTH / CLIENT SETNAME still to come: swallowed here. */
  #ownReplies = 0;
  #deadline: Timer | undefined;
  #reconnect: Timer | undefined;
  #failures = 0;

  constructor(opts: LinkOptions) {
    this.#opts = opts;
    this.#target = parseRedisUrl(opts.url);
    this.#connect();
  }

  /** Writes to the socket; false (nothing written) while there is none. */
  write(text: string): boolean {
    if (this.#socket === null) return false;
    this.#socket.write(text);
    return true;
  }

  /** Starts the answer deadline (unless one is running). */
  expectAnswer(): void {
    if (this.#deadline !== undefined) return;
    this.#deadline = this.#opts.clock.setTimeout(() => {
      this.#deadline = undefined;
      this.fail(`no answer from Redis within ${this.#opts.timeoutMs} ms`);
    }, this.#opts.timeoutMs);
  }

  /** The awaited answer came: stops the deadline and resets the reconnect backoff. */
  answered(): void {
    this.#opts.clock.clearTimeout(this.#deadline);
    this.#deadline = undefined;
    this.#failures = 0;
  }

  /** Drops the socket (`onDown(why)`) and reconnects after the backoff, unless closed. */
  fail(why: string): void {
    if (this.#socket === null) return;
    this.#drop();
    if (this.#closed) return;
    const level = why.startsWith('Redis refused') && this.#failures === 0 ? 'warn' : 'debug';
    this.#opts.logger[level](`redis ${this.#opts.role} reconnecting`, { why });
    this.#opts.onDown(why);
    this.#failures += 1;
    this.#reconnect = this.#opts.clock.setTimeout(
      () => {
        this.#reconnect = undefined;
        if (!this.#closed) this.#connect();
      },
      Math.min(this.#failures * 100, 500),
    );
  }

  close(): void {
    this.#closed = true;
    this.#drop();
    this.#opts.clock.clearTimeout(this.#reconnect);
  }

  #connect(): void {
    const own = opening(this.#target, this.#opts.name);
    const socket = openSocket(this.#target, () => {
      this.#ownReplies = own.length;
      socket.write([...own, ...this.#opts.opening].map((c) => resp(...c)).join(''));
    });
    this.#socket = socket;
    // Events of a socket already dropped (its `close` comes later) must not touch the next one.
    const current = (): boolean => this.#socket === socket;
    socket.on('data', (chunk: Buffer) => {
      if (!current()) return;
      try {
        this.#reader.feed(chunk, (v) => this.#onReply(v));
      } catch (err) {
        this.fail((err as Error).message);
      }
    });
    socket.on('error', (err) => current() && this.fail(`socket error: ${err.message}`));
    socket.on('close', () => current() && this.fail('connection closed'));
    // Connecting must not hang either (a frozen Redis still completes TCP handshakes).
    this.expectAnswer();
  }

  /** One reply; false once the link is down (stop reading). */
  #onReply(v: RespValue): boolean {
    if (v instanceof RespError) {
      this.fail(`Redis refused: ${v.message}`);
    } else if (this.#ownReplies > 0) {
      this.#ownReplies -= 1;
    } else {
      this.#opts.onReply(v);
    }
    return this.#socket !== null;
  }

  #drop(): void {
    this.#opts.clock.clearTimeout(this.#deadline);
    this.#deadline = undefined;
    this.#reader.reset();
    const s = this.#socket;
    this.#socket = null;
    s?.destroy();
  }
}
