import { describe, expect, it } from 'vitest';
import { DefaultReconnectPolicy } from '../../src/signaling/reconnect-policy.js';

/** random() = 0.5 means no jitter; 0 = lowest; just below 1 = highest. */
const fixed = (r: number) => () => r;

describe('DefaultReconnectPolicy', () => {
  it.each([
    // attempt, elapsedMs, random, expected
    [0, 0, 0.5, 250],
    [1, 300, 0.5, 500],
    [2, 900, 0.5, 1000],
    [3, 2000, 0.5, 2000],
    [4, 4000, 0.5, 4000],
    [5, 8000, 0.5, 8000],
    [6, 16_000, 0.5, 10_000],
    [50, 200_000, 0.5, 10_000],
    [0, 0, 0, 200],
    [0, 0, 0.999999, 300],
    [3, 2000, 0, 1600],
    [3, 2000, 0.999999, 2400],
    [6, 16_000, 0, 8000],
    [6, 16_000, 0.999999, 10_000],
    [1000, 0, 0.5, 10_000],
  ])('attempt %i at %i ms with random %d → %i ms', (attempt, elapsedMs, r, expected) => {
    const policy = new DefaultReconnectPolicy({ random: fixed(r) });
    expect(policy.nextRetryDelayMs({ attempt, elapsedMs })).toBe(expected);
  });

  it.each([
    [{}, 3, 5 * 60_000, null],
    [{}, 3, 5 * 60_000 - 1, 2000],
    [{ maxElapsedMs: 1000 }, 0, 1000, null],
    [{ maxAttempts: 3 }, 2, 0, 1000],
    [{ maxAttempts: 3 }, 3, 0, null],
    [{ maxAttempts: 0 }, 0, 0, null],
  ])('gives up per %j at attempt %i, %i ms', (opts, attempt, elapsedMs, expected) => {
    const policy = new DefaultReconnectPolicy({ ...opts, random: fixed(0.5) });
    expect(policy.nextRetryDelayMs({ attempt, elapsedMs })).toBe(expected);
  });

  it('honours custom initial delay, factor, cap and jitter', () => {
    const policy = new DefaultReconnectPolicy({
      initialDelayMs: 100,
      factor: 3,
      maxDelayMs: 1000,
      jitter: 0,
      random: fixed(0),
    });
    const delays = [0, 1, 2, 3].map((attempt) => policy.nextRetryDelayMs({ attempt, elapsedMs: 0 }));
    expect(delays).toEqual([100, 300, 900, 1000]);
  });

  it('spreads delays with real randomness but stays inside the jitter band', () => {
    const policy = new DefaultReconnectPolicy();
    for (let i = 0; i < 200; i++) {
      const d = policy.nextRetryDelayMs({ attempt: 2, elapsedMs: 0 });
      expect(d).toBeGreaterThanOrEqual(800);
      expect(d).toBeLessThanOrEqual(1200);
    }
  });

  it.each([{ initialDelayMs: -1 }, { factor: 0.5 }, { jitter: 2 }, { maxDelayMs: Number.NaN }])(
    'refuses invalid options %j',
    (opts) => {
      expect(() => new DefaultReconnectPolicy(opts)).toThrow(RangeError);
    },
  );
});
