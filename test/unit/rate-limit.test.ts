/**
 * Token bucket and per-IP counter, with time passed in.
 */
import { describe, expect, it } from 'vitest';
import { ConnectionCounter, TokenBucket, type RateLimit } from '../../src/signaling/server/rate-limit.js';

/** Replays `takes` (each `[atMs, cost?]`) against a fresh bucket created at t=0; returns the verdicts. */
function replay(limit: RateLimit, takes: [number, number?][]): boolean[] {
  const bucket = new TokenBucket(limit, 0);
  return takes.map(([at, cost]) => bucket.take(limit, at, cost));
}

const burst = (n: number, at = 0): [number][] => Array.from({ length: n }, () => [at]);

describe('TokenBucket', () => {
  it.each<[string, RateLimit, [number, number?][], boolean[]]>([
    ['a full bucket allows a burst', { ratePerSec: 1, burst: 3 }, burst(3), [true, true, true]],
    ['then refuses', { ratePerSec: 1, burst: 3 }, burst(4), [true, true, true, false]],
    [
      'refills at the rate',
      { ratePerSec: 2, burst: 2 },
      [[0], [0], [0], [499], [500], [500]],
      [true, true, false, false, true, false],
    ],
    [
      'never holds more than the burst',
      { ratePerSec: 10, burst: 2 },
      [[10_000], [10_000], [10_000]],
      [true, true, false],
    ],
    [
      'charges a cost',
      { ratePerSec: 1, burst: 5 },
      [
        [0, 3],
        [0, 3],
        [0, 2],
      ],
      [true, false, true],
    ],
    [
      'a refused take spends nothing',
      { ratePerSec: 1, burst: 1 },
      [[0], [0], [0], [1000]],
      [true, false, false, true],
    ],
    [
      'time going backwards does not mint tokens',
      { ratePerSec: 1, burst: 1 },
      [[5000], [1000], [1000]],
      [true, false, false],
    ],
    [
      'Infinity disables the limit',
      { ratePerSec: 0, burst: Infinity },
      burst(10_000),
      Array(10_000).fill(true),
    ],
    [
      '50/s burst 100: 100 at once, then 5 per 100 ms',
      { ratePerSec: 50, burst: 100 },
      [...burst(101), ...burst(6, 100)],
      [...Array(100).fill(true), false, ...Array(5).fill(true), false],
    ],
  ])('%s', (_name, limit, takes, expected) => {
    expect(replay(limit, takes)).toEqual(expected);
  });
});

describe('ConnectionCounter', () => {
  it.each<[string, number, string[], boolean[]]>([
    ['allows up to max per IP', 2, ['a', 'a', 'a'], [true, true, false]],
    ['counts IPs separately', 1, ['a', 'b', 'a', 'b'], [true, true, false, false]],
    ['0 means unlimited', 0, Array(500).fill('a'), Array(500).fill(true)],
  ])('%s', (_name, max, ips, expected) => {
    const c = new ConnectionCounter(max);
    expect(ips.map((ip) => c.tryAcquire(ip))).toEqual(expected);
  });

  it('frees a slot on release and forgets idle IPs', () => {
    const c = new ConnectionCounter(1);
    expect(c.tryAcquire('a')).toBe(true);
    expect(c.tryAcquire('a')).toBe(false);
    c.release('a');
    expect(c.count('a')).toBe(0);
    expect(c.tryAcquire('a')).toBe(true);
    c.release('a');
    c.release('a');
    expect(c.count('a')).toBe(0);
  });
});
