/**
 * The node's relay subscription (redis-subscriber.ts) against a real redis-server: it gets what is
 * published on its channel (whatever the size, and only its channel), subscribes again after Redis
 * restarts, and a refused or unanswered opening fails loudly and is retried.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisSubscriber, type SubscriberOptions } from '../../src/signaling/server/redis-subscriber.js';
import { systemClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/logger.js';
import { Condition } from '../helpers/condition.js';
import { RedisServer, requireRedis } from '../helpers/redis.js';

const HAVE_REDIS = requireRedis('the Redis relay subscriber test');
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

/** A subscriber plus what it reports; `until(check)` re-checks on each of its events. */
function subscriber(url: string, channel: string, over: Partial<SubscriberOptions> = {}) {
  const got: string[] = [];
  const states: [boolean, string][] = [];
  const logs: string[] = [];
  const cond = new Condition(() => `states ${JSON.stringify(states)}, got ${got.length}`);
  const changed = (): void => cond.changed();
  const sub = new RedisSubscriber({
    url,
    name: 'rc-test-sub',
    channel,
    clock: systemClock,
    logger: createLogger({ level: 'debug', write: (l) => logs.push(l) }),
    timeoutMs: 400,
    onMessage: (text) => {
      got.push(text);
      changed();
      if (text === 'boom') throw new Error('handler failed');
    },
    onState: (ok, why) => (states.push([ok, why]), changed()),
    ...over,
  });
  cleanups.push(() => sub.close());
  const until = (check: () => boolean): Promise<void> => cond.until(check);
  return { sub, got, states, logs, until };
}

async function publisher(url: string): Promise<Redis> {
  const pub = new Redis(url, { maxRetriesPerRequest: 0 });
  cleanups.push(() => pub.disconnect());
  await new Promise((resolve) => pub.once('ready', resolve));
  return pub;
}

describe.skipIf(!HAVE_REDIS)('RedisSubscriber against a real Redis', () => {
  it('gets every message of its channel in order, small and large, and nothing of others', async () => {
    const s = subscriber(redis!.url, 'rc1');
    await s.until(() => s.sub.subscribed);
    const pub = await publisher(redis!.url);
    // Sizes across socket reads (a 200 KB message arrives in several chunks), multi-byte text.
    // A handler that throws ('boom') is logged and the next messages still arrive.
    const texts = ['a', 'né ✓', 'boom', 'x'.repeat(70_000), `S${'ü'.repeat(100_000)}`, ''];
    await pub.publish('other', 'not for rc1');
    for (const t of texts) await pub.publish('rc1', t);
    await s.until(() => s.got.length === texts.length);
    expect(s.got).toEqual(texts);
    expect(s.logs.filter((l) => l.includes('error: bad relay message'))).toHaveLength(1);
    expect(s.sub.subscribed).toBe(true);
    expect(String(await redis!.command('CLIENT', 'LIST'))).toMatch(/name=rc-test-sub /);
  });

  it('subscribes again after Redis restarts', async () => {
    const s = subscriber(redis!.url, 'rc2');
    await s.until(() => s.sub.subscribed);
    await redis!.restart();
    await s.until(() => s.states.some(([ok]) => !ok));
    await s.until(() => s.sub.subscribed);
    const pub = await publisher(redis!.url);
    await pub.publish('rc2', 'after the restart');
    await s.until(() => s.got.length === 1);
    expect(s.got).toEqual(['after the restart']);
  });

  it('Redis frozen while connecting: the opening times out, and it subscribes once Redis is back', async () => {
    redis!.pause();
    let s;
    try {
      s = subscriber(redis!.url, 'rc3');
      await s.until(() => s!.states.length > 0);
      expect(s.states[0]).toEqual([false, 'no answer from Redis within 400 ms']);
    } finally {
      redis!.resume();
    }
    await s.until(() => s!.sub.subscribed);
  });

  it('a wrong password is refused with a warning; never subscribed', async () => {
    const own = await RedisServer.start();
    cleanups.push(() => own.stop());
    await own.command('CONFIG', 'SET', 'requirepass', 's3cret');
    const ok = subscriber(`redis://:s3cret@127.0.0.1:${own.port}`, 'rc4');
    await ok.until(() => ok.sub.subscribed);
    const bad = subscriber(`redis://:wrong@127.0.0.1:${own.port}`, 'rc4');
    await bad.until(() => bad.states.length > 0);
    expect(bad.states[0]).toEqual([false, expect.stringMatching(/^Redis refused: WRONGPASS/) as string]);
    expect(bad.sub.subscribed).toBe(false);
    // Warned once; the retries that follow are refused again but only logged at debug level.
    await bad.until(() => bad.states.length >= 3);
    expect(bad.logs.filter((l) => l.includes('warn: redis subscriber reconnecting'))).toHaveLength(1);
    expect(
      bad.logs.filter((l) => l.includes('debug: redis subscriber reconnecting')).length,
    ).toBeGreaterThanOrEqual(2);
  });
});
