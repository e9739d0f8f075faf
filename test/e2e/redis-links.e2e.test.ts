/**
 * The relay's own Redis connections against a real redis-server: the reply-less publisher
 * (redis-publisher.ts) and the channel subscriber (redis-subscriber.ts), both on a RedisLink
 * (redis-link.ts). Messages arrive in order and whole; probes confirm what was published; a frozen,
 * restarted or refusing Redis fails what was unconfirmed, and the connections come back by
 * themselves.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FastPublisher, type PublisherOptions } from '../../src/signaling/server/redis-publisher.js';
import { RedisSubscriber, type SubscriberOptions } from '../../src/signaling/server/redis-subscriber.js';
import { systemClock } from '../../src/util/clock.js';
import { createLogger, type Logger } from '../../src/util/logger.js';
import { Condition } from '../helpers/condition.js';
import { RedisServer, requireRedis } from '../helpers/redis.js';

const HAVE_REDIS = requireRedis('the tests of the relay’s Redis connections');
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

/** What a connection reports (state changes, log lines), awaitable with `until`. */
function observer(describe: () => string) {
  const states: [boolean, string][] = [];
  const logs: string[] = [];
  const cond = new Condition(() => `states ${JSON.stringify(states)}, ${describe()}`);
  const logger: Logger = createLogger({ level: 'debug', write: (l) => logs.push(l) });
  const onState = (ok: boolean, why: string): void => {
    states.push([ok, why]);
    cond.changed();
  };
  const until = (check: () => boolean): Promise<void> => cond.until(check);
  return { states, logs, cond, logger, onState, until };
}

/** A FastPublisher and what it reports. */
function publisher(url: string, over: Partial<PublisherOptions> = {}) {
  const lost: string[] = [];
  const probes: number[] = [];
  const o = observer(() => `lost ${lost.length}`);
  const p = new FastPublisher({
    url,
    name: 'rc-test-pub',
    clock: systemClock,
    logger: o.logger,
    timeoutMs: 400,
    probeEveryMs: 10,
    onLost: (s) => (lost.push(s), o.cond.changed()),
    onState: o.onState,
    onProbe: (ms) => (probes.push(ms), o.cond.changed()),
    ...over,
  });
  cleanups.push(() => p.close());
  return { ...o, p, lost, probes };
}

/** A RedisSubscriber and what it reports; a message 'boom' makes its handler throw. */
function subscriber(url: string, channel: string, over: Partial<SubscriberOptions> = {}) {
  const got: string[] = [];
  const o = observer(() => `got ${got.length}`);
  const sub = new RedisSubscriber({
    url,
    name: 'rc-test-sub',
    channel,
    clock: systemClock,
    logger: o.logger,
    timeoutMs: 400,
    onMessage: (text) => {
      got.push(text);
      o.cond.changed();
      if (text === 'boom') throw new Error('handler failed');
    },
    onState: o.onState,
    ...over,
  });
  cleanups.push(() => sub.close());
  return { ...o, sub, got };
}

/** A plain ioredis publisher, to feed the subscriber. */
async function ioPublisher(url: string): Promise<Redis> {
  const pub = new Redis(url, { maxRetriesPerRequest: 0 });
  cleanups.push(() => pub.disconnect());
  await new Promise((resolve) => pub.once('ready', resolve));
  return pub;
}

/** A plain ioredis subscriber on `channel`; `until(pred)` resolves with what it got once `pred` holds. */
async function ioSubscriber(url: string, channel: string) {
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
    const sub = await ioSubscriber(redis!.url, 'ch1');
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
    const sub = await ioSubscriber(redis!.url, 'ch2');
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
    const sub = await ioSubscriber(redis!.url, 'ch3');
    pub.p.publish('ch3', 'back');
    expect(await sub.next(1)).toEqual(['back']);
  });
});

describe.skipIf(!HAVE_REDIS)('RedisSubscriber against a real Redis', () => {
  it('gets every message of its channel in order, small and large, and nothing of others', async () => {
    const s = subscriber(redis!.url, 'rc1');
    await s.until(() => s.sub.subscribed);
    const pub = await ioPublisher(redis!.url);
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
    const pub = await ioPublisher(redis!.url);
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
});

describe.skipIf(!HAVE_REDIS)('both connections and a password', () => {
  it('AUTH on connect; a wrong password is refused with one warning, then quiet retries', async () => {
    const own = await RedisServer.start();
    cleanups.push(() => own.stop());
    await own.command('CONFIG', 'SET', 'requirepass', 's3cret');
    const good = `redis://:s3cret@127.0.0.1:${own.port}`;
    const wrong = `redis://:wrong@127.0.0.1:${own.port}`;
    const okPub = publisher(good);
    const okSub = subscriber(good, 'pw');
    await okPub.until(() => okPub.p.ready);
    await okSub.until(() => okSub.sub.subscribed);
    const badPub = publisher(wrong);
    const badSub = subscriber(wrong, 'pw');
    const bad = [
      { role: 'publisher', b: badPub, up: () => badPub.p.ready },
      { role: 'subscriber', b: badSub, up: () => badSub.sub.subscribed },
    ];
    for (const { role, b, up } of bad) {
      await b.until(() => b.states.length >= 3);
      expect(b.states[0]).toEqual([false, expect.stringMatching(/^Redis refused: WRONGPASS/) as string]);
      expect(up()).toBe(false);
      expect(b.logs.filter((l) => l.includes(`warn: redis ${role} reconnecting`))).toHaveLength(1);
      expect(
        b.logs.filter((l) => l.includes(`debug: redis ${role} reconnecting`)).length,
      ).toBeGreaterThanOrEqual(2);
    }
  });
});
