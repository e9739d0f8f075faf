/**
 * The relay's fast publisher (redis-publisher.ts) against a real redis-server: messages reach a
 * subscriber in order with replies off, probes confirm them, and a frozen, restarted or refusing
 * Redis fails the unconfirmed messages (`onLost`) and the connection comes back by itself.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FastPublisher, type PublisherOptions } from '../../src/signaling/server/redis-publisher.js';
import { systemClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/logger.js';
import { Condition } from '../helpers/condition.js';
import { RedisServer, requireRedis } from '../helpers/redis.js';

const HAVE_REDIS = requireRedis('the Redis fast publisher test');
let redis: RedisServer | undefined;
beforeAll(async () => {
  if (HAVE_REDIS) redis = await RedisServer.start();
});
afterAll(async () => {
  await redis?.stop();
});

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A publisher plus the events it reports, each awaitable. */
function publisher(url: string, over: Partial<PublisherOptions> = {}) {
  const lost: string[] = [];
  const states: [boolean, string][] = [];
  const probes: number[] = [];
  const logs: string[] = [];
  const cond = new Condition(() => `states ${JSON.stringify(states)}, lost ${lost.length}`);
  const changed = (): void => cond.changed();
  const p = new FastPublisher({
    url,
    name: 'rc-test-pub',
    clock: systemClock,
    logger: createLogger({ level: 'debug', write: (l) => logs.push(l) }),
    timeoutMs: 400,
    probeEveryMs: 10,
    onLost: (s) => (lost.push(s), changed()),
    onState: (ready, why) => (states.push([ready, why]), changed()),
    onProbe: (ms) => (probes.push(ms), changed()),
    ...over,
  });
  cleanups.push(() => p.close());
  /** Resolves once `check()` holds, re-checked on every event of the publisher. */
  const until = (check: () => boolean): Promise<void> => cond.until(check);
  return { p, lost, states, probes, logs, until };
}

/** A subscriber on `channel`; `until(pred)` resolves with what it got once `pred` holds. */
async function subscriber(url: string, channel: string) {
  const sub = new Redis(url, { maxRetriesPerRequest: 0 });
  cleanups.push(() => sub.disconnect());
  const got: string[] = [];
  const cond = new Condition(() => `got ${JSON.stringify(got)}`);
  sub.on('message', (_c: string, m: string) => {
    got.push(m);
    cond.changed();
  });
  await sub.subscribe(channel);
  const until = (pred: (got: string[]) => boolean): Promise<string[]> =>
    cond.until(() => pred(got)).then(() => [...got]);
  return { got, until, next: (n: number) => until((g) => g.length >= n).then((g) => g.slice(0, n)) };
}

describe.skipIf(!HAVE_REDIS)('FastPublisher against a real Redis', () => {
  it('publishes in order with replies off; probes confirm; nothing is lost', async () => {
    const sub = await subscriber(redis!.url, 'ch1');
    const pub = publisher(redis!.url);
    expect(pub.p.publish('ch1', 'early')).toBe(false); // not connected yet: the caller falls back
    await pub.until(() => pub.p.ready);
    const texts = Array.from({ length: 200 }, (_, i) => `m${i} né ${'x'.repeat(i)}`);
    for (const t of texts) expect(pub.p.publish('ch1', t, 'sender')).toBe(true);
    expect(await sub.next(200)).toEqual(texts);
    await pub.until(() => pub.probes.length > 0);
    expect(pub.lost).toEqual([]);
    // Replies are off on that connection: Redis lists it with the name it was given.
    const list = String(await redis!.command('CLIENT', 'LIST'));
    expect(list).toMatch(/name=rc-test-pub /);
  });

  it('Redis frozen: unconfirmed messages are reported lost, and it reconnects after SIGCONT', async () => {
    const pub = publisher(redis!.url);
    await pub.until(() => pub.p.ready);
    redis!.pause();
    try {
      pub.p.publish('ch2', 'one', 'alice');
      pub.p.publish('ch2', 'two', '');
      pub.p.publish('ch2', 'three', 'bob');
      await pub.until(() => pub.lost.length === 2);
      expect(pub.lost).toEqual(['alice', 'bob']);
      expect(pub.p.ready).toBe(false);
      expect(pub.states.at(-1)?.[1]).toMatch(/no answer from Redis within 400 ms/);
      expect(pub.p.publish('ch2', 'four', 'carol')).toBe(false);
    } finally {
      redis!.resume();
    }
    const sub = await subscriber(redis!.url, 'ch2');
    await pub.until(() => pub.p.ready);
    pub.p.publish('ch2', 'after', 'dave');
    // The frozen Redis may still deliver what was in its socket buffer; the fresh message comes last.
    expect((await sub.until((g) => g.includes('after'))).at(-1)).toBe('after');
    expect(pub.lost).toEqual(['alice', 'bob']);
  });

  it('Redis restarted: the connection comes back by itself', async () => {
    const pub = publisher(redis!.url);
    await pub.until(() => pub.p.ready);
    await redis!.restart();
    await pub.until(() => pub.states.some(([ready]) => !ready));
    await pub.until(() => pub.p.ready);
    const sub = await subscriber(redis!.url, 'ch3');
    pub.p.publish('ch3', 'back');
    expect(await sub.next(1)).toEqual(['back']);
  });

  it('a password: AUTH on connect; a wrong one is refused with a warning, never ready', async () => {
    const own = await RedisServer.start();
    cleanups.push(() => own.stop());
    await own.command('CONFIG', 'SET', 'requirepass', 's3cret');
    const ok = publisher(`redis://:s3cret@127.0.0.1:${own.port}`);
    await ok.until(() => ok.p.ready);
    const bad = publisher(`redis://:wrong@127.0.0.1:${own.port}`);
    await bad.until(() => bad.states.length > 0);
    expect(bad.states[0]).toEqual([false, expect.stringMatching(/^Redis refused: WRONGPASS/) as string]);
    expect(bad.p.ready).toBe(false);
    // Warned once; the retries that follow are refused again but only logged at debug level.
    await bad.until(() => bad.states.length >= 3);
    expect(bad.logs.filter((l) => l.includes('warn: redis publisher reconnecting'))).toHaveLength(1);
    expect(
      bad.logs.filter((l) => l.includes('debug: redis publisher reconnecting')).length,
    ).toBeGreaterThanOrEqual(2);
  });
});
