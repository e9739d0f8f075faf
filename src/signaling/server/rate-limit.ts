/**
 * Pure rate limiting: a token bucket with time passed in, and a per-IP connection counter.
 * No timers; callers pass `now` (ms) from their Clock.
 */

export interface RateLimit {
  /** Tokens added per second. */
  ratePerSec: number;
  /** Bucket size: how many tokens can be spent at once. `Infinity` disables the limit. */
  burst: number;
}

/** Default per-connection message rate: 50 msg/s, bursts of 100. */
export const DEFAULT_MESSAGE_RATE: RateLimit = { ratePerSec: 50, burst: 100 };
/** Default `join`/`next` rate: 2/s, bursts of 10. */
export const DEFAULT_JOIN_RATE: RateLimit = { ratePerSec: 2, burst: 10 };
/** Default connections per IP address (0 = unlimited). */
export const DEFAULT_MAX_CONNECTIONS_PER_IP = 50;

/**
 * One token-bucket step on plain numbers: a bucket that held `tokens` at time `at` is refilled up to
 * `now` (never above the burst; time going backwards adds nothing) and `cost` is spent. Returns the
 * tokens left, or -1 if there were too few (then nothing changes: refilling later from the same
 * `at` gives the same count). For owners that keep a bucket as two fields of their own.
 */
export function spendTokens(limit: RateLimit, tokens: number, at: number, now: number, cost = 1): number {
  const have = now > at ? Math.min(limit.burst, tokens + ((now - at) * limit.ratePerSec) / 1000) : tokens;
  return have >= cost ? have - cost : -1;
}

/** A token bucket: two numbers (see {@link spendTokens}). */
export class TokenBucket {
  tokens: number;
  at: number;

  constructor(limit: RateLimit, now: number) {
    this.tokens = limit.burst;
    this.at = now;
  }

  /** Spends `cost` tokens if available. Returns false (and spends nothing) otherwise. */
  take(limit: RateLimit, now: number, cost = 1): boolean {
    const left = spendTokens(limit, this.tokens, this.at, now, cost);
    if (left < 0) return false;
    this.tokens = left;
    this.at = Math.max(this.at, now);
    return true;
  }
}

/** Counts open connections per IP address. `max` 0 means unlimited. */
export class ConnectionCounter {
  readonly #counts = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Registers a connection from `ip`, or returns false if that IP is at its limit. */
  tryAcquire(ip: string): boolean {
    const n = this.#counts.get(ip) ?? 0;
    if (this.max > 0 && n >= this.max) return false;
    this.#counts.set(ip, n + 1);
    return true;
  }

  release(ip: string): void {
    const n = this.#counts.get(ip) ?? 0;
    if (n <= 1) this.#counts.delete(ip);
    else this.#counts.set(ip, n - 1);
  }

  count(ip: string): number {
    return this.#counts.get(ip) ?? 0;
  }
}
