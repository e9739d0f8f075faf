/**
 * The broker contract: one suite, run against the in-memory broker, the Redis broker on one node,
 * and two Redis brokers sharing one Redis (clients alternate between the two nodes, so every rule is
 * also checked across nodes). Drives brokers through the Broker interface (test/helpers/broker-harness.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { CloseCodes } from '../../src/signaling/server/close-codes.js';
import { createMemoryBroker } from '../../src/signaling/server/memory-broker.js';
import { redisBroker } from '../../src/signaling/server/redis-broker.js';
import type { MatchmakerConfig } from '../../src/signaling/server/state.js';
import { FakeNode, type FakeClient } from '../helpers/broker-harness.js';
import { RedisServer, requireRedis } from '../helpers/redis.js';

const HAVE_REDIS = requireRedis('the Redis variants of the broker contract');
let redis: RedisServer | null = null;
let ns = 0;
beforeAll(async () => {
  if (HAVE_REDIS) redis = await RedisServer.start();
});
afterAll(async () => {
  await redis?.stop();
});

const live: FakeNode[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((n) => n.broker.close()));
});

async function ready(nodes: FakeNode[]): Promise<FakeNode[]> {
  live.push(...nodes);
  const deadline = Date.now() + 10_000;
  for (const n of nodes) {
    while (!((await n.broker.ready?.()) ?? true)) {
      if (Date.now() > deadline) throw new Error('broker not ready within 10 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return nodes;
}

type Variant = [name: string, nodes: (cfg: Partial<MatchmakerConfig>) => Promise<FakeNode[]>];
const redisNodes = (count: number) => (cfg: Partial<MatchmakerConfig>) => {
  const namespace = `contract-${process.pid}-${++ns}`;
  const url = (redis as RedisServer).url;
  return ready(Array.from({ length: count }, () => new FakeNode(redisBroker({ url, namespace }), cfg)));
};
const variants: Variant[] = [['memory', (cfg) => ready([new FakeNode(createMemoryBroker, cfg)])]];
if (HAVE_REDIS) variants.push(['redis, one node', redisNodes(1)], ['redis, two nodes', redisNodes(2)]);

describe.each(variants)('broker contract (%s)', (_name, makeNodes) => {
  /** A cluster; `client(i)` connects to node i mod n. */
  async function cluster(cfg: Partial<MatchmakerConfig> = {}) {
    const nodes = await makeNodes(cfg);
    let i = 0;
    const client = (label: string, interests?: string[]) =>
      nodes[i++ % nodes.length]!.connect(label, interests ? { interests } : {});
    const other = (c: FakeClient) => nodes[(nodes.indexOf(c.node) + 1) % nodes.length]!;
    return { nodes, client, other };
  }

  /** Every queued message is in: each client's own events have run, then a short settle for relays. */
  async function settle(...cs: FakeClient[]): Promise<void> {
    for (const c of cs) {
      c.send({ type: 'rebuild', matchId: 'barrier' });
      await c.inbox.waitFor((m) => m.type === 'error' && m.ref === 'rebuild', 3000, 'barrier');
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  async function pair(client: (l: string) => Promise<FakeClient>, la = 'a', lb = 'b') {
    const a = await client(la);
    const b = await client(lb);
    a.send({ type: 'join' });
    await a.next('queued');
    b.send({ type: 'join' });
    await b.next('queued');
    const [ma, mb] = await Promise.all([a.next('matched'), b.next('matched')]);
    return { a, b, ma, mb };
  }

  it('hello → welcome with a fresh session and resume token', async () => {
    const { client } = await cluster({ graceMs: 1234 });
    const a = await client('a');
    const b = await client('b');
    expect(a.welcome).toMatchObject({ resumed: false, match: null, graceMs: 1234 });
    expect(a.session).not.toBe(b.session);
    expect(a.welcome.resumeToken).not.toBe(b.welcome.resumeToken);
  });

  it('pairs two joiners: one match id, opposite roles, gen 0; never with yourself', async () => {
    const { client } = await cluster();
    const solo = await client('solo');
    solo.send({ type: 'join' });
    await solo.next('queued');
    await settle(solo);
    expect(solo.types()).toEqual([]);
    solo.send({ type: 'leave' });
    const { ma, mb } = await pair(client);
    expect(ma.matchId).toBe(mb.matchId);
    expect(new Set([ma.role, mb.role])).toEqual(new Set(['offerer', 'answerer']));
    expect([ma.gen, mb.gen]).toEqual([0, 0]);
  });

  it('prefers a stranger sharing an interest and reports the common ones', async () => {
    const { client } = await cluster({ interestWindowMs: 10_000 });
    const plain = await client('plain');
    const cats = await client('cats', ['cats', 'music']);
    plain.send({ type: 'join' });
    await plain.next('queued');
    cats.send({ type: 'join' });
    await cats.next('queued');
    const fan = await client('fan', ['music', 'chess', 'cats']);
    fan.send({ type: 'join' });
    const [m1, m2] = await Promise.all([cats.next('matched'), fan.next('matched')]);
    expect(m1.matchId).toBe(m2.matchId);
    expect(m1.interests).toEqual(['cats', 'music']);
    await settle(plain);
    expect(plain.types()).toEqual([]);
  });

  it('falls back to anyone once the interest window is over', async () => {
    const { client } = await cluster({ interestWindowMs: 100 });
    const picky = await client('picky', ['knitting']);
    const plain = await client('plain');
    picky.send({ type: 'join' });
    await picky.next('queued');
    plain.send({ type: 'join' });
    const [m1, m2] = await Promise.all([picky.next('matched'), plain.next('matched')]);
    expect(m1.matchId).toBe(m2.matchId);
    expect(m1.interests).toEqual([]);
  });

  it('relays signals to the partner only; stale, forged and unmatched signals get coded errors', async () => {
    const { client } = await cluster();
    const { a, b, ma } = await pair(client);
    const { a: c, b: d, ma: other } = await pair(client, 'c', 'd');
    const data = { kind: 'end-of-candidates' } as const;
    a.send({ type: 'signal', matchId: ma.matchId, gen: 0, data });
    expect(await b.next('signal')).toEqual({ type: 'signal', matchId: ma.matchId, gen: 0, data });
    b.send({ type: 'signal', matchId: ma.matchId, gen: 0, data });
    await a.next('signal');
    a.send({ type: 'signal', matchId: other.matchId, gen: 0, data });
    expect((await a.next('error')).code).toBe(ErrorCodes.STALE_MATCH);
    a.send({ type: 'signal', matchId: ma.matchId, gen: 5, data });
    expect((await a.next('error')).code).toBe(ErrorCodes.STALE_MATCH);
    const lone = await client('lone');
    lone.send({ type: 'signal', matchId: ma.matchId, gen: 0, data });
    expect((await lone.next('error')).code).toBe(ErrorCodes.NOT_MATCHED);
    await settle(a, b, c, d);
    expect([a.types(), b.types(), c.types(), d.types()]).toEqual([[], [], [], []]);
  });

  it('next: the partner hears "skipped", the sender is paired with the waiting stranger', async () => {
    const { client } = await cluster();
    const { a, b, ma } = await pair(client);
    const c = await client('c');
    c.send({ type: 'join' });
    await c.next('queued');
    a.send({ type: 'next' });
    expect(await b.next('partner-left')).toEqual({
      type: 'partner-left',
      matchId: ma.matchId,
      reason: 'skipped',
    });
    const [ac, ca] = await Promise.all([a.next('matched'), c.next('matched')]);
    expect(ac.matchId).toBe(ca.matchId);
    a.send({ type: 'signal', matchId: ma.matchId, gen: 0, data: { kind: 'end-of-candidates' } });
    expect((await a.next('error')).code).toBe(ErrorCodes.STALE_MATCH);
    await settle(b);
    expect(b.types()).toEqual([]);
  });

  it('skip-repeat: no straight rematch while another stranger waits; fine when alone', async () => {
    const { client } = await cluster();
    const { a, b, ma } = await pair(client);
    b.send({ type: 'next' });
    await a.next('partner-left');
    await b.next('queued');
    a.send({ type: 'join' });
    const [m1, m2] = await Promise.all([a.next('matched'), b.next('matched')]);
    expect(m1.matchId).toBe(m2.matchId);
    expect(m1.matchId).not.toBe(ma.matchId);
    const c = await client('c');
    c.send({ type: 'join' });
    await c.next('queued');
    a.send({ type: 'next' }); // b is idle; a must get c, not b
    await b.next('partner-left');
    b.send({ type: 'join' });
    const [ac, ca] = await Promise.all([a.next('matched'), c.next('matched')]);
    expect(ac.matchId).toBe(ca.matchId);
  });

  it('leave and bye: the partner hears "left"; bye closes 1000 and voids the token', async () => {
    const { client, nodes } = await cluster();
    const { a, b, ma } = await pair(client);
    a.send({ type: 'leave' });
    expect(await b.next('partner-left')).toMatchObject({ matchId: ma.matchId, reason: 'left' });
    const p = await pair(client, 'c', 'd');
    p.a.send({ type: 'bye' });
    expect(await p.b.next('partner-left')).toMatchObject({ matchId: p.ma.matchId, reason: 'left' });
    expect(await p.a.next('#closed')).toMatchObject({ code: CloseCodes.NORMAL });
    const again = await nodes[0]!.connect('again', { resumeToken: p.a.welcome.resumeToken });
    expect(again.welcome.resumed).toBe(false);
  });

  it('rebuild bumps gen for both, keeps roles, and makes the old gen stale', async () => {
    const { client } = await cluster();
    const { a, b, ma, mb } = await pair(client);
    b.send({ type: 'rebuild', matchId: ma.matchId });
    const [ra, rb] = await Promise.all([a.next('rebuild'), b.next('rebuild')]);
    expect(ra).toEqual({ type: 'rebuild', matchId: ma.matchId, gen: 1, role: ma.role });
    expect(rb).toEqual({ type: 'rebuild', matchId: ma.matchId, gen: 1, role: mb.role });
    a.send({ type: 'signal', matchId: ma.matchId, gen: 0, data: { kind: 'end-of-candidates' } });
    expect((await a.next('error')).code).toBe(ErrorCodes.STALE_MATCH);
  });

  it('resume within grace keeps the partner (on another node when there is one)', async () => {
    const { client, other } = await cluster({ graceMs: 10_000 });
    const { a, b, ma } = await pair(client);
    a.drop();
    expect(await b.next('partner-reconnecting')).toMatchObject({ matchId: ma.matchId, graceMs: 10_000 });
    const a2 = await other(a).connect('a2', { resumeToken: a.welcome.resumeToken });
    expect(a2.welcome).toMatchObject({
      resumed: true,
      match: { matchId: ma.matchId, role: ma.role, gen: 0 },
    });
    expect(await b.next('partner-resumed')).toEqual({ type: 'partner-resumed', matchId: ma.matchId });
    a2.send({ type: 'signal', matchId: ma.matchId, gen: 0, data: { kind: 'end-of-candidates' } });
    await b.next('signal');
    b.send({ type: 'signal', matchId: ma.matchId, gen: 0, data: { kind: 'end-of-candidates' } });
    await a2.next('signal');
  });

  it('grace expiry: the partner hears "disconnected" and the token is void', async () => {
    const { client, nodes } = await cluster({ graceMs: 100 });
    const { a, b, ma } = await pair(client);
    a.drop();
    await b.next('partner-reconnecting');
    expect(await b.next('partner-left')).toEqual({
      type: 'partner-left',
      matchId: ma.matchId,
      reason: 'disconnected',
    });
    const again = await nodes[0]!.connect('again', { resumeToken: a.welcome.resumeToken });
    expect(again.welcome.resumed).toBe(false);
  });

  it('a queued session that drops leaves the queue and rejoins it on resume', async () => {
    const { client, other } = await cluster({ graceMs: 10_000 });
    const a = await client('a');
    a.send({ type: 'join' });
    await a.next('queued');
    a.drop();
    // Brokers may record the loss asynchronously: wait until a's node no longer counts it as waiting.
    const deadline = Date.now() + 3000;
    while ((await a.node.broker.stats()).waiting !== 0) {
      if (Date.now() > deadline) throw new Error('the dropped session is still waiting');
      await new Promise((r) => setTimeout(r, 10));
    }
    const b = await client('b');
    b.send({ type: 'join' });
    await b.next('queued');
    await settle(b);
    expect(b.types()).toEqual([]);
    const a2 = await other(a).connect('a2', { resumeToken: a.welcome.resumeToken });
    expect(a2.welcome).toMatchObject({ resumed: true, match: null });
    await a2.next('queued');
    const [m1, m2] = await Promise.all([a2.next('matched'), b.next('matched')]);
    expect(m1.matchId).toBe(m2.matchId);
  });

  it('a resume while the old socket is open replaces it (4002)', async () => {
    const { client, other } = await cluster();
    const { a, b, ma } = await pair(client);
    const a2 = await other(a).connect('a2', { resumeToken: a.welcome.resumeToken });
    expect(a2.welcome.match?.matchId).toBe(ma.matchId);
    expect(await a.next('#closed')).toMatchObject({ code: CloseCodes.REPLACED });
    a2.send({ type: 'signal', matchId: ma.matchId, gen: 0, data: { kind: 'end-of-candidates' } });
    await b.next('signal');
    await settle(b);
    expect(b.types()).toEqual([]);
  });
});
