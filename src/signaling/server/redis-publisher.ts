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
import type { Clock, Timer } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { RedisLink } from './redis-link.js';
import { resp, type RespError, type RespValue } from './redis-wire.js';

/** After AUTH and CLIENT SETNAME: a PING (its PONG says the connection is ready), then replies off. */
export const OPENING = [['PING'], ['CLIENT', 'REPLY', 'OFF']];

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
  readonly #link: RedisLink;
  readonly #probeEveryMs: number;
  #ready = false;
  /** Replies still expected, per command group in flight (the opening's PING, or a probe), in order. */
  #expect: number[] = [1];
  /** Senders ('' for none) of the messages written since the last probe went out... */
  #current: string[] = [];
  /** ...and of those the outstanding probe will confirm. */
  #inFlight: string[] = [];
  #probeSentAt = 0;
  #probeTimer: Timer | undefined;

  constructor(opts: PublisherOptions) {
    this.#opts = opts;
    this.#probeEveryMs = opts.probeEveryMs ?? 50;
    this.#link = new RedisLink({
      ...opts,
      role: 'publisher',
      opening: OPENING,
      onReply: (v) => this.#onReply(v),
      onDown: (why) => this.#onDown(why),
    });
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Writes a PUBLISH; false (nothing written) while the connection is not ready. */
  publish(channel: string, text: string, sender = ''): boolean {
    if (!this.#ready || !this.#link.write(resp('PUBLISH', channel, text))) return false;
    this.#current.push(sender);
    if (this.#expect.length === 0) this.#scheduleProbe();
    return true;
  }

  close(): void {
    this.#link.close();
    this.#reset();
  }

  #scheduleProbe(): void {
    this.#probeTimer ??= this.#opts.clock.setTimeout(() => this.#probe(), this.#probeEveryMs);
  }

  #probe(): void {
    this.#probeTimer = undefined;
    if (!this.#ready || this.#current.length === 0 || !this.#link.write(PROBE)) return;
    this.#inFlight = this.#current;
    this.#current = [];
    this.#probeSentAt = this.#opts.clock.now();
    this.#expect.push(PROBE_REPLIES);
    this.#link.expectAnswer();
  }

  /** One reply to the opening or a probe. */
  #onReply(v: Exclude<RespValue, RespError>): void {
    if (this.#expect.length === 0) {
      return this.#link.fail(`unexpected reply: ${JSON.stringify(v).slice(0, 80)}`);
    }
    this.#expect[0]! -= 1;
    if (this.#expect[0]! > 0) return;
    this.#expect.shift();
    this.#link.answered();
    if (!this.#ready) {
      this.#ready = true;
      this.#opts.onState?.(true, 'connected');
    } else {
      this.#inFlight = [];
      this.#opts.onProbe?.(this.#opts.clock.now() - this.#probeSentAt);
    }
    if (this.#current.length > 0) this.#scheduleProbe();
  }

  /** Every unconfirmed message is lost; the link reconnects by itself. */
  #onDown(why: string): void {
    const lost = [...this.#inFlight, ...this.#current];
    this.#reset();
    this.#expect = [1];
    for (const sender of lost) if (sender !== '') this.#opts.onLost(sender);
    this.#opts.onState?.(false, why);
  }

  #reset(): void {
    this.#opts.clock.clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
    this.#ready = false;
    this.#expect = [];
    this.#current = [];
    this.#inFlight = [];
  }
}
