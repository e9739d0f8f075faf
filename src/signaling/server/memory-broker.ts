/**
 * The single-node broker: the pure matchmaker's state in memory, its effects carried out at once
 * (sends go straight to the Delivery), its timers on the injected Clock.
 */
import type { Timer } from '../../util/clock.js';
import type { Broker, BrokerContext, BrokerStats } from './broker.js';
import { step } from './matchmaker.js';
import { createMatchState, type Effect, type MatchEvent, type MatchState } from './state.js';

export class MemoryBroker implements Broker {
  readonly #ctx: BrokerContext;
  readonly #state: MatchState;
  readonly #timers = new Map<string, Timer>();
  #closed = false;

  constructor(ctx: BrokerContext) {
    this.#ctx = ctx;
    this.#state = createMatchState(ctx.config);
  }

  /** The matchmaker state, read-only, for tests and diagnostics. */
  get state(): Readonly<MatchState> {
    return this.#state;
  }

  /** Number of pending timers (for leak tests). */
  get timerCount(): number {
    return this.#timers.size;
  }

  dispatch(event: MatchEvent, at?: number): void {
    if (this.#closed) return;
    // A timer event happens at its scheduled time even when the timer fires a millisecond early
    // (setTimeout and Date.now() round differently); otherwise a deadline check could miss it.
    const now = Math.max(this.#ctx.clock.now(), at ?? -Infinity);
    let effects: Effect[];
    try {
      effects = step(this.#state, event, now, this.#ctx.rng).effects;
    } catch (err) {
      this.#ctx.logger.error('matchmaker step failed', { event: event.type, err });
      return;
    }
    for (const fx of effects) {
      try {
        this.#apply(fx);
      } catch (err) {
        this.#ctx.logger.error('effect failed', { effect: fx.type, err });
      }
    }
  }

  stats(): BrokerStats {
    const st = this.#state;
    return { sessions: st.sessions.size, waiting: st.queue.size, matches: st.matches.size };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers.values()) this.#ctx.clock.clearTimeout(t);
    this.#timers.clear();
  }

  #apply(fx: Effect): void {
    const { delivery, clock } = this.#ctx;
    switch (fx.type) {
      case 'send':
        return delivery.send(fx.to, fx.msg);
      case 'bind':
        return delivery.bind(fx.conn, fx.session);
      case 'close':
        return delivery.close(fx.to, fx.code, fx.reason);
      case 'schedule': {
        clock.clearTimeout(this.#timers.get(fx.key));
        const delay = Math.max(0, fx.at - clock.now());
        const timer = clock.setTimeout(() => {
          this.#timers.delete(fx.key);
          this.dispatch(fx.event, fx.at);
        }, delay);
        this.#timers.set(fx.key, timer);
        return;
      }
      case 'cancel':
        clock.clearTimeout(this.#timers.get(fx.key));
        this.#timers.delete(fx.key);
        return;
      case 'report':
        return delivery.report?.(fx.report);
      default: {
        const never: never = fx;
        throw new Error(`unknown effect ${JSON.stringify(never)}`);
      }
    }
  }
}

export const createMemoryBroker = (ctx: BrokerContext): Broker => new MemoryBroker(ctx);
