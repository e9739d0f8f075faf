/**
 * The node's relay channel subscription on a plain socket (a RedisLink): SUBSCRIBE, then every
 * pushed `message` goes to `onMessage` as text. It replaces an ioredis subscriber on the relay's hot
 * path, where ioredis' generic reply decoding and event plumbing cost a few µs per message
 * (docs/benchmarks.md § 5); this reads exactly the replies a subscription gets. After a close, an
 * error, a `-ERR` or an opening that Redis does not answer within `timeoutMs`, the link reconnects
 * and this subscribes again, as ioredis would.
 */
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { RedisLink } from './redis-link.js';
import type { RespError, RespValue } from './redis-wire.js';

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
  readonly #link: RedisLink;
  #subscribed = false;

  constructor(opts: SubscriberOptions) {
    this.#opts = opts;
    this.#link = new RedisLink({
      ...opts,
      role: 'subscriber',
      opening: [['SUBSCRIBE', opts.channel]],
      onReply: (v) => this.#onReply(v),
      onDown: (why) => {
        this.#subscribed = false;
        opts.onState?.(false, why);
      },
    });
  }

  get subscribed(): boolean {
    return this.#subscribed;
  }

  close(): void {
    this.#link.close();
    this.#subscribed = false;
  }

  #onReply(v: Exclude<RespValue, RespError>): void {
    if (!Array.isArray(v)) return;
    if (v[0] === 'message' && typeof v[2] === 'string') {
      try {
        this.#opts.onMessage(v[2]);
      } catch (err) {
        this.#opts.logger.error('bad relay message', { err });
      }
    } else if (v[0] === 'subscribe' && !this.#subscribed) {
      this.#subscribed = true;
      this.#link.answered();
      this.#opts.onState?.(true, 'subscribed');
    }
  }
}
