/**
 * Demo strangers for `randchat demo`: headless sessions on the same machine that greet you and
 * answer what you say. A small pool keeps exactly one idle stranger waiting in the queue, so
 * `/next` always finds a new one and two demo strangers never get matched with each other.
 */
import { systemClock, type Clock, type Timer } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import type { MediaOptions } from '../media/pipeline/media-types.js';
import type { SessionFactory, SessionLike } from './session-like.js';
import { truncate } from './terminal-text.js';

const REMARKS = [
  'Nice to meet you!',
  'Tell me more.',
  "That's interesting.",
  'Ha, good one.',
  'I agree.',
  'Try /next to meet another demo stranger.',
] as const;

/** The greeting of demo stranger number `n`. */
export function demoGreeting(n: number): string {
  return `Hi! I'm demo stranger #${n}, a bot running on your computer. Say something and I'll answer.`;
}

/** The reply to the `count`-th message (0-based). Deterministic, for tests. */
export function demoReply(text: string, count: number): string {
  return `You said "${truncate(text, 120)}". ${REMARKS[count % REMARKS.length] ?? ''}`.trim();
}

export interface DemoBehaviourOptions {
  number: number;
  clock?: Clock;
  /** Pause before greeting / answering, to show "Stranger is typing…" (ms). */
  replyDelayMs?: number;
}

/** Makes a session behave like a friendly stranger. Returns a function that detaches it. */
export function attachDemoBehaviour(session: SessionLike, opts: DemoBehaviourOptions): () => void {
  const clock = opts.clock ?? systemClock;
  const delay = opts.replyDelayMs ?? 400;
  const timers = new Set<Timer>();
  let count = 0;
  let greeted = false;
  const later = (fn: () => void): void => {
    const t = clock.setTimeout(() => {
      timers.delete(t);
      fn();
    }, delay);
    timers.add(t);
  };
  const say = (text: string): void => {
    session.typing();
    later(() => {
      if (session.state !== 'connected') return;
      try {
        session.send(text);
      } catch {
        // the user left meanwhile
      }
    });
  };
  const offs = [
    // Greet once per stranger: `connected` fires again after a /reconnect rebuild.
    session.on('matched', () => (greeted = false)),
    session.on('connected', () => {
      if (greeted) return;
      greeted = true;
      say(demoGreeting(opts.number));
    }),
    session.on('message', ({ text }) => say(demoReply(text, count++))),
  ];
  return () => {
    for (const off of offs) off();
    for (const t of timers) clock.clearTimeout(t);
    timers.clear();
  };
}

export interface DemoPoolOptions {
  createSession: SessionFactory;
  serverUrl: string;
  /** Give demo strangers the user's interests, so interest matching pairs them at once. */
  interests?: string[];
  clock?: Clock;
  logger?: Logger;
  replyDelayMs?: number;
  /** Upper bound on live demo strangers (a guard against runaway respawning). */
  maxStrangers?: number;
  /** What demo strangers send (see {@link demoStrangerMedia}); absent: text only. */
  media?: MediaOptions;
}

/**
 * A demo stranger's media: the moving test pattern (its frame counter shows it is live) and a
 * soft tone; they decode the user's picture small and never play sound.
 */
export function demoStrangerMedia(base: Pick<MediaOptions, 'ffmpegPath' | 'codec' | 'env'>): MediaOptions {
  return {
    ...base,
    video: { kind: 'test' },
    audio: { kind: 'tone', frequency: 440 },
    audioOut: false,
    receiveSize: { width: 160, height: 120 },
  };
}

interface Stranger {
  session: SessionLike;
  detach: () => void;
}

export class DemoStrangerPool {
  readonly #opts: DemoPoolOptions;
  readonly #log: Logger;
  readonly #live = new Set<Stranger>();
  #waiting: Stranger | null = null;
  #count = 0;
  #closed = false;

  constructor(opts: DemoPoolOptions) {
    this.#opts = opts;
    this.#log = opts.logger ?? silentLogger;
  }

  /** Number of demo strangers alive (waiting or chatting). */
  get size(): number {
    return this.#live.size;
  }

  /** Starts the first waiting stranger; resolves once it is queued on the server. */
  async start(): Promise<void> {
    await this.#spawn();
  }

  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#live];
    this.#live.clear();
    this.#waiting = null;
    await Promise.all(all.map((s) => this.#retire(s)));
  }

  async #spawn(): Promise<void> {
    if (this.#closed || this.#waiting || this.#live.size >= (this.#opts.maxStrangers ?? 4)) return;
    const number = ++this.#count;
    const session = this.#opts.createSession({
      serverUrl: this.#opts.serverUrl,
      interests: this.#opts.interests ?? [],
      loopbackOnly: true,
      autoNext: false,
      clientName: 'randchat-demo-stranger',
      ...(this.#opts.clock ? { clock: this.#opts.clock } : {}),
      logger: this.#log.child(`stranger-${number}`),
      ...(this.#opts.media ? { media: this.#opts.media } : {}),
    });
    const detach = attachDemoBehaviour(session, {
      number,
      ...(this.#opts.clock ? { clock: this.#opts.clock } : {}),
      ...(this.#opts.replyDelayMs !== undefined ? { replyDelayMs: this.#opts.replyDelayMs } : {}),
    });
    const stranger: Stranger = { session, detach };
    this.#live.add(stranger);
    this.#waiting = stranger;
    session.on('matched', () => {
      if (this.#waiting === stranger) this.#waiting = null;
      void this.#spawn();
    });
    // Session errors are 'error' events: an EventEmitter without a listener would throw them.
    session.on('error', (e) => this.#log.debug('demo stranger error', { ...e }));
    session.on('partner-left', () => void this.#drop(stranger, { respawn: true }));
    session.on('state', ({ state }) => {
      if (state === 'closed') void this.#drop(stranger, { respawn: false });
    });
    try {
      await session.start();
    } catch (err) {
      this.#log.warn('demo stranger could not start', { err });
      await this.#drop(stranger, { respawn: false });
    }
  }

  /**
   * A stranger whose chat ended leaves for good and a fresh one takes its place in the queue.
   * A stranger whose session died (server gone) is not replaced, so nothing respawns in a loop.
   */
  async #drop(stranger: Stranger, opts: { respawn: boolean }): Promise<void> {
    if (!this.#live.delete(stranger)) return;
    if (this.#waiting === stranger) this.#waiting = null;
    await this.#retire(stranger);
    if (opts.respawn && !this.#closed) await this.#spawn();
  }

  async #retire(stranger: Stranger): Promise<void> {
    stranger.detach();
    await stranger.session.stop().catch(() => undefined);
  }
}
