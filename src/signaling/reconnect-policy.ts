/**
 * When to retry a lost signaling connection. Pure: no timers, randomness injected.
 */

export interface ReconnectContext {
  /** Retries already made since the connection was lost (0 before the first retry). */
  attempt: number;
  /** Milliseconds since the connection was lost. */
  elapsedMs: number;
}

export interface ReconnectPolicy {
  /** Delay before the next retry, or `null` to give up. */
  nextRetryDelayMs(ctx: ReconnectContext): number | null;
}

export interface DefaultReconnectPolicyOptions {
  /** First delay. Default 250 ms. */
  initialDelayMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Largest delay (jitter never exceeds it). Default 10 s. */
  maxDelayMs?: number;
  /** Relative jitter: the delay is multiplied by a factor in [1 - jitter, 1 + jitter). Default 0.2. */
  jitter?: number;
  /** Give up once this long has passed since the loss. Default 5 minutes. */
  maxElapsedMs?: number;
  /** Give up after this many retries. Default unlimited. */
  maxAttempts?: number;
  /** Uniform random number in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/** Exponential backoff (250 ms, 500 ms, 1 s, … capped at 10 s) with ±20 % jitter, giving up after 5 minutes. */
export class DefaultReconnectPolicy implements ReconnectPolicy {
  readonly #initial: number;
  readonly #factor: number;
  readonly #max: number;
  readonly #jitter: number;
  readonly #maxElapsed: number;
  readonly #maxAttempts: number;
  readonly #random: () => number;

  constructor(opts: DefaultReconnectPolicyOptions = {}) {
    this.#initial = nonNegative('initialDelayMs', opts.initialDelayMs ?? 250);
    this.#factor = nonNegative('factor', opts.factor ?? 2);
    this.#max = nonNegative('maxDelayMs', opts.maxDelayMs ?? 10_000);
    this.#jitter = nonNegative('jitter', opts.jitter ?? 0.2);
    this.#maxElapsed = nonNegative('maxElapsedMs', opts.maxElapsedMs ?? 5 * 60_000);
    this.#maxAttempts = nonNegative('maxAttempts', opts.maxAttempts ?? Infinity);
    this.#random = opts.random ?? Math.random;
    if (this.#factor < 1) throw new RangeError('factor must be at least 1');
    if (this.#jitter > 1) throw new RangeError('jitter must be at most 1');
  }

  nextRetryDelayMs({ attempt, elapsedMs }: ReconnectContext): number | null {
    if (attempt >= this.#maxAttempts || elapsedMs >= this.#maxElapsed) return null;
    const base = Math.min(this.#max, this.#initial * this.#factor ** Math.max(0, attempt));
    const r = Math.min(Math.max(this.#random(), 0), 1);
    const jittered = base * (1 + this.#jitter * (2 * r - 1));
    return Math.round(Math.min(this.#max, Math.max(0, jittered)));
  }
}

function nonNegative(name: string, v: number): number {
  if (Number.isNaN(v) || v < 0) throw new RangeError(`${name} must be a non-negative number`);
  return v;
}
