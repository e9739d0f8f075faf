/**
 * The relay's publishing connection: a plain socket to Redis in `CLIENT REPLY OFF` mode, so a
 * cross-node message costs one socket write and nothing else — no reply to read and parse, no
 * promise, no timer per message (through ioredis a `PUBLISH` cost about as much node CPU as the
 * WebSocket read and write of the message itself: docs/benchmarks.md § 5).
 *
 * Without replies, failures are found by probes: while messages are unconfirmed, a `PING` (between
 * `CLIENT REPLY ON` and `OFF`) goes out every `probeEveryMs`. Redis answers in order, so its `PONG`
 * confirms every message written before it. A probe unanswered after `timeoutMs`, a socket error or
 * a close fails every unconfirmed message: `onLost(sender)` for those that named a sender (a signal's
 * sender then gets ERR_UNAVAILABLE, as when a `PUBLISH` through ioredis times out). Then the socket
 * is dropped and reconnected with a backoff. While it is not ready, `publish` returns false and the
 * caller publishes through ioredis instead.
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

/** The commands sent on connecting; each of them but the last answers one reply. */
export function handshake(t: RedisTarget, name: string): { text: string; replies: number } {
  const cmds = [...opening(t, name), ['PING'], ['CLIENT', 'REPLY', 'OFF']];
  return { text: cmds.map((c) => resp(...c)).join(''), replies: cmds.length - 1 };
}

/** A probe: replies on for one `PING`. Answers two replies (`+OK`, `+PONG`). */
export const PROBE = resp('CLIENT', 'REPLY', 'ON') + resp('PING') + resp('CLIENT', 'REPLY', 'OFF');
const PROBE_REPLIES = 2;

export interface PublisherOptions {
  url: string;
  /** CLIENT SETNAME. */
  name: string;
  clock: Clock;
  logger: Logger;
  /** A probe (or the handshake) unanswered for this long fails the connection. */
  timeoutMs: number;
  /** Delay between probes while messages are unconfirmed. Default 50 ms. */
  probeEveryMs?: number;
  /** A message that named a sender may not have reached Redis. */
  onLost(sender: string): void;
  /** Called with each probe's round-trip time (ms). */
  onProbe?(ms: number): void;
  /** Called when the connection becomes ready, and when it fails (with why). */
  onState?(ready: boolean, why: string): void;
}

export class FastPublisher {
  readonly #opts: PublisherOptions;
  readonly #target: RedisTarget;
  readonly #probeEveryMs: number;
  #socket: Socket | null = null;
  #ready = false;
  #closed = false;
  /** Replies still expected, per command group in flight (handshake or probe), in order. */
  #expect: number[] = [];
  readonly #reader = new ReplyReader();
  /** Senders ('' for none) of the messages written since the last probe went out... */
  #current: string[] = [];
  /** ...and of those the outstanding probe will confirm. */
  #inFlight: string[] = [];
  #probeSentAt = 0;
  #probeTimer: Timer | undefined;
  #deadline: Timer | undefined;
  #reconnectTimer: Timer | undefined;
  #failures = 0;

  constructor(opts: PublisherOptions) {
    this.#opts = opts;
    this.#target = parseRedisUrl(opts.url);
    this.#probeEveryMs = opts.probeEveryMs ?? 50;
    this.#connect();
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Writes a PUBLISH; false (nothing written) while the connection is not ready. */
  publish(channel: string, text: string, sender = ''): boolean {
    if (!this.#ready || this.#socket === null) return false;
    this.#socket.write(resp('PUBLISH', channel, text));
    this.#current.push(sender);
    if (this.#probeTimer === undefined && this.#expect.length === 0) {
      this.#probeTimer = this.#opts.clock.setTimeout(() => this.#probe(), this.#probeEveryMs);
    }
    return true;
  }

  close(): void {
    this.#closed = true;
    this.#drop();
    this.#opts.clock.clearTimeout(this.#reconnectTimer);
  }

  #connect(): void {
    const socket = openSocket(this.#target, () => {
      const hs = handshake(this.#target, this.#opts.name);
      socket.write(hs.text);
      this.#await(hs.replies);
    });
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => this.#fail(`socket error: ${err.message}`));
    socket.on('close', () => this.#fail('connection closed'));
    // The connect itself must not hang either (a frozen Redis still completes TCP handshakes).
    this.#armDeadline();
  }

  #await(replies: number): void {
    this.#expect.push(replies);
    this.#armDeadline();
  }

  #armDeadline(): void {
    if (this.#deadline !== undefined) return;
    this.#deadline = this.#opts.clock.setTimeout(() => {
      this.#deadline = undefined;
      this.#fail(`no answer from Redis within ${this.#opts.timeoutMs} ms`);
    }, this.#opts.timeoutMs);
  }

  #probe(): void {
    this.#probeTimer = undefined;
    if (!this.#ready || this.#socket === null || this.#current.length === 0) return;
    this.#inFlight = this.#current;
    this.#current = [];
    this.#probeSentAt = this.#opts.clock.now();
    this.#socket.write(PROBE);
    this.#await(PROBE_REPLIES);
  }

  #onData(chunk: Buffer): void {
    try {
      this.#reader.feed(chunk, (v) => this.#handle(v));
    } catch (err) {
      this.#fail((err as Error).message);
    }
  }

  /** One reply (to the handshake or a probe); false when it failed the connection. */
  #handle(v: RespValue): boolean {
    if (v instanceof RespError) {
      this.#fail(`Redis refused: ${v.message}`);
      return false;
    }
    if (this.#expect.length === 0) {
      this.#fail(`unexpected reply: ${JSON.stringify(v).slice(0, 80)}`);
      return false;
    }
    this.#expect[0]! -= 1;
    if (this.#expect[0]! > 0) return true;
    this.#expect.shift();
    this.#opts.clock.clearTimeout(this.#deadline);
    this.#deadline = undefined;
    if (!this.#ready) {
      this.#ready = true;
      this.#failures = 0;
      this.#opts.onState?.(true, 'connected');
    } else {
      this.#inFlight = [];
      this.#opts.onProbe?.(this.#opts.clock.now() - this.#probeSentAt);
    }
    if (this.#current.length > 0 && this.#probeTimer === undefined) {
      this.#probeTimer = this.#opts.clock.setTimeout(() => this.#probe(), this.#probeEveryMs);
    }
    return true;
  }

  /** Fails every unconfirmed message and reconnects after a backoff (unless closed). */
  #fail(why: string): void {
    if (this.#socket === null) return;
    const lost = [...this.#inFlight, ...this.#current];
    this.#drop();
    if (this.#closed) return;
    // A refusal (bad password, missing ACL rights) is worth a warning once, not every retry.
    const log = why.startsWith('Redis refused') && this.#failures === 0 ? 'warn' : 'debug';
    this.#opts.logger[log]('redis publisher reconnecting', { why, lost: lost.length });
    for (const sender of lost) if (sender !== '') this.#opts.onLost(sender);
    this.#opts.onState?.(false, why);
    this.#failures += 1;
    const delay = Math.min(this.#failures * 100, 500);
    this.#reconnectTimer = this.#opts.clock.setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (!this.#closed) this.#connect();
    }, delay);
  }

  #drop(): void {
    const { clock } = this.#opts;
    clock.clearTimeout(this.#probeTimer);
    clock.clearTimeout(this.#deadline);
    this.#probeTimer = this.#deadline = undefined;
    this.#ready = false;
    this.#expect = [];
    this.#reader.reset();
    this.#current = [];
    this.#inFlight = [];
    const s = this.#socket;
    this.#socket = null;
    s?.destroy();
  }
}
