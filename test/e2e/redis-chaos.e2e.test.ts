/**
 * Multi-node mode under failure: a node killed with SIGKILL mid-chat, Redis restarted (its data gone),
 * Redis frozen with SIGSTOP for a few seconds. Real redis-server and real sockets on 127.0.0.1.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { CloseCodes, type RunningServer } from '../../src/signaling/server/index.js';
import { RedisKeys } from '../../src/signaling/server/redis-scripts.js';
import { killAll } from '../helpers/cli-process.js';
import { RedisServer, requireRedis } from '../helpers/redis.js';
import { freshNamespace, spawnNode, startNode, status, waitReadyz } from '../helpers/redis-cluster.js';
import { closeAllClients, TestClient } from '../helpers/ws-client.js';

const HAVE_REDIS = requireRedis('the multi-node (Redis) chaos tests');
let redis: RedisServer;
beforeAll(async () => {
  if (HAVE_REDIS) redis = await RedisServer.start();
});
afterAll(async () => {
  redis?.resume();
  await redis?.stop();
});
const servers: RunningServer[] = [];
afterEach(async () => {
  redis?.resume();
  await closeAllClients();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await killAll();
});

const sig = (matchId: string, sdp: string) =>
  ({ type: 'signal', matchId, gen: 0, data: { kind: 'description', type: 'offer', sdp } }) as const;

async function hello(url: string, label: string) {
  const { client, welcome } = await TestClient.hello(url, {}, { label });
  return Object.assign(client, { sessionId: welcome.sessionId });
}

async function pairAcross(urlA: string, urlB: string) {
  const a = await hello(urlA, 'a');
  const b = await hello(urlB, 'b');
  a.send({ type: 'join' });
  await a.next('queued');
  b.send({ type: 'join' });
  const [ma] = await Promise.all([a.next('matched'), b.next('matched')]);
  return { a, b, matchId: ma.matchId };
}

/** Sends a signal every 200 ms until the partner gets one; returns how long that took. */
async function relayWorks(
  from: TestClient,
  to: TestClient,
  matchId: string,
  timeoutMs: number,
): Promise<number> {
  const t0 = Date.now();
  const got = to.waitFor((m) => m.type === 'signal' && m.matchId === matchId, timeoutMs, 'a relayed signal');
  const timer = setInterval(() => from.isOpen && from.send(sig(matchId, 'ping')), 200);
  from.send(sig(matchId, 'ping'));
  try {
    await got;
  } finally {
    clearInterval(timer);
  }
  return Date.now() - t0;
}

async function inQueue(db: string, session: string): Promise<boolean> {
  const r = new Redis(db);
  try {
    return (await r.sismember(new RedisKeys('rc').queue, session)) === 1;
  } finally {
    r.disconnect();
  }
}

describe.skipIf(!HAVE_REDIS)('multi-node (Redis): chaos', () => {
  it('kill -9 a node mid-chat: the partner hears within 5 s; nobody is matched with its clients', async () => {
    const db = `${redis.url}/1`;
    const [n1, n2] = await Promise.all([spawnNode(db), spawnNode(db)]);
    const { a, b } = await pairAcross(n1.url, n2.url);
    const x = await hello(n2.url, 'x@dead');
    x.send({ type: 'join' });
    await x.next('queued');
    const t0 = Date.now();
    await n2.kill('SIGKILL');
    expect(await a.next('partner-left', 5000)).toMatchObject({ reason: 'disconnected' });
    const took = Date.now() - t0;
    console.log(`[chaos] partner told ${took} ms after kill -9`);
    expect(took).toBeLessThan(5000);
    expect((await b.closed).code).toBe(1006);
    const deadline = Date.now() + 3000;
    while (await inQueue(db, x.sessionId)) {
      if (Date.now() > deadline) throw new Error('the dead node’s queued client is still in the queue');
      await new Promise((r) => setTimeout(r, 50));
    }
    const c = await hello(n1.url, 'c');
    c.send({ type: 'join' });
    await c.next('queued');
    await c.sync();
    expect(c.types()).toEqual([]);
    a.send({ type: 'join' });
    await a.next('queued');
    const [mc, ma] = await Promise.all([c.next('matched'), a.next('matched')]);
    expect(mc.matchId).toBe(ma.matchId);
  });

  it('Redis restarted (data lost): service is back within 10 s and live pairs keep their match', async () => {
    const namespace = freshNamespace();
    const n1 = await startNode({ url: redis.url, namespace });
    const n2 = await startNode({ url: redis.url, namespace });
    servers.push(n1, n2);
    const { a, b, matchId } = await pairAcross(n1.url, n2.url);
    await redis.restart();
    const t0 = Date.now();
    const ready = Math.max(await waitReadyz(n1.port, 10_000), await waitReadyz(n2.port, 10_000));
    const relay = await relayWorks(a, b, matchId, 10_000 - (Date.now() - t0));
    const fresh = await pairAcross(n2.url, n1.url);
    const total = Date.now() - t0;
    console.log(
      `[chaos] after a Redis restart: ready ${ready} ms, old pair relays ${relay} ms, new pair ${total} ms`,
    );
    expect(total).toBeLessThan(10_000);
    b.send(sig(matchId, 'back'));
    await a.waitFor((m) => m.type === 'signal' && m.data.kind === 'description' && m.data.sdp === 'back');
    expect(fresh.matchId).not.toBe(matchId);
    // The match record itself was written back: a rebuild goes through Redis.
    a.send({ type: 'rebuild', matchId });
    expect(await b.next('rebuild')).toMatchObject({ matchId, gen: 1 });
    expect(await a.next('rebuild')).toMatchObject({ matchId, gen: 1 });
  });

  it('Redis frozen (SIGSTOP): clear errors meanwhile, /readyz 503, and recovery after SIGCONT', async () => {
    const namespace = freshNamespace();
    const n1 = await startNode({ url: redis.url, namespace });
    const n2 = await startNode({ url: redis.url, namespace });
    servers.push(n1, n2);
    const { a, b, matchId } = await pairAcross(n1.url, n2.url);
    const idle = await hello(n1.url, 'idle');
    redis.pause();
    const stoppedAt = Date.now();
    a.send(sig(matchId, 'while-frozen'));
    expect((await a.error(ErrorCodes.UNAVAILABLE, 3000)).ref).toBe('signal');
    idle.send({ type: 'join' });
    expect((await idle.error(ErrorCodes.UNAVAILABLE, 3000)).ref).toBe('join');
    const late = await TestClient.connect(n2.url, { label: 'late' });
    late.send({ type: 'hello', v: 1 });
    await late.error(ErrorCodes.UNAVAILABLE, 3000);
    expect((await late.closed).code).toBe(CloseCodes.TRY_AGAIN_LATER);
    expect(await status(n1.port, '/readyz')).toBe(503);
    expect(await status(n1.port, '/healthz')).toBe(200);
    // Stay frozen past the liveness TTL (3 s): nodes must not take each other for dead afterwards.
    await new Promise((r) => setTimeout(r, Math.max(0, 3500 - (Date.now() - stoppedAt))));
    redis.resume();
    const t0 = Date.now();
    await Promise.all([waitReadyz(n1.port, 10_000), waitReadyz(n2.port, 10_000)]);
    const relay = await relayWorks(a, b, matchId, 10_000);
    console.log(`[chaos] after SIGCONT: relay back in ${Date.now() - t0} ms (${relay} ms of retries)`);
    // Longer than the janitor's settle time: the pair must survive it.
    await new Promise((r) => setTimeout(r, 4500));
    await b.sync();
    expect(b.all.filter((m) => m.type === 'partner-left')).toEqual([]);
    await relayWorks(b, a, matchId, 2000);
    await pairAcross(n1.url, n2.url);
  });
});
