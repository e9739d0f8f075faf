/**
 * Redis round trips in `GET /metrics`: two in-process nodes (port 0) in multi-node mode sharing a
 * real redis-server; a match across the nodes must show load, commit and publish round trips
 * (counter and latency histogram) increasing, messages published to the other node, and the nodes'
 * own liveness and janitor work.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/signaling/server/index.js';
import { RedisServer, requireRedis } from '../helpers/redis.js';
import { freshNamespace, startNode } from '../helpers/redis-cluster.js';
import { closeAllClients, TestClient } from '../helpers/ws-client.js';

const HAVE_REDIS = requireRedis('the Redis round-trip metrics test');
let redis: RedisServer | undefined;
beforeAll(async () => {
  if (HAVE_REDIS) redis = await RedisServer.start();
});
afterAll(async () => {
  await redis?.stop();
});
const servers: RunningServer[] = [];
afterEach(async () => {
  await closeAllClients();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const KINDS = ['load', 'commit', 'publish', 'liveness', 'janitor'] as const;
type Kind = (typeof KINDS)[number];

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** An unlabelled counter's value. */
async function counter(port: number, name: string): Promise<number> {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(await scrape(port));
  return m ? Number(m[1]) : NaN;
}

/** Round trips and histogram observations per kind, from one scrape of `/metrics`. */
async function roundTrips(port: number): Promise<Record<Kind, { total: number; observed: number }>> {
  const text = await scrape(port);
  const value = (name: string, kind: Kind): number => {
    const m = new RegExp(`^${name}\\{kind="${kind}"\\} (\\S+)$`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  };
  const out = {} as Record<Kind, { total: number; observed: number }>;
  for (const kind of KINDS) {
    out[kind] = {
      total: value('randchat_redis_round_trips_total', kind),
      observed: value('randchat_redis_round_trip_seconds_count', kind),
    };
  }
  return out;
}

describe.skipIf(!HAVE_REDIS)('Redis round trips in /metrics', () => {
  it('a match across two nodes shows load, commit and publish round trips increasing', async () => {
    const namespace = freshNamespace();
    const opts = { url: redis!.url, namespace };
    const n1 = await startNode(opts);
    servers.push(n1);
    const n2 = await startNode(opts);
    servers.push(n2);
    const before = await roundTrips(n2.port);
    const publishedBefore = await counter(n2.port, 'randchat_redis_published_total');
    expect(publishedBefore).toBe(0);

    const { client: a } = await TestClient.hello(n1.url, {}, { label: 'a@1' });
    const { client: b } = await TestClient.hello(n2.url, {}, { label: 'b@2' });
    a.send({ type: 'join' });
    await a.next('queued');
    b.send({ type: 'join' }); // n2 pairs b with a and publishes a's `matched` to n1
    const [ma] = await Promise.all([a.next('matched'), b.next('matched')]);
    b.send({ type: 'signal', matchId: ma.matchId, gen: 0, data: { kind: 'end-of-candidates' } });
    await a.next('signal');

    const after = await roundTrips(n2.port);
    for (const kind of ['load', 'commit'] as const) {
      expect(after[kind].total, kind).toBeGreaterThan(before[kind].total);
      expect(after[kind].observed, kind).toBeGreaterThan(before[kind].observed);
    }
    // `matched` for a, a's session cache, and the signal: published without a reply each...
    expect(await counter(n2.port, 'randchat_redis_published_total')).toBeGreaterThanOrEqual(2);
    // ...and confirmed by a probe round trip shortly after (redis-publisher.ts).
    await expect
      .poll(async () => (await roundTrips(n2.port)).publish.observed, { timeout: 3000, interval: 20 })
      .toBeGreaterThan(before.publish.observed);
    expect((await roundTrips(n2.port)).publish.total).toBeGreaterThan(before.publish.total);
    expect(await counter(n2.port, 'randchat_redis_commit_conflicts_total')).toBe(0);
    // Liveness (heartbeat, /readyz) and the janitor run on their own; the janitor starts once the
    // node has been healthy for two liveness periods (2 s).
    await expect
      .poll(
        async () => {
          const now = await roundTrips(n2.port);
          return now.liveness.total > 0 && now.janitor.total > 0;
        },
        { timeout: 6000, interval: 100 },
      )
      .toBe(true);
    const text = await (await fetch(`http://127.0.0.1:${n2.port}/metrics`)).text();
    expect(text).toMatch(/^# TYPE randchat_redis_round_trip_seconds histogram$/m);
    expect(text).toMatch(/^randchat_redis_round_trip_seconds_bucket\{le="0\.001",kind="load"\} \d+$/m);
    expect(text).toMatch(/^# TYPE randchat_redis_round_trip_errors_total counter$/m);
  });
});
