/**
 * The signaling server end to end: a real server on 127.0.0.1 port 0, raw `ws` clients.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { PROTOCOL_VERSION, type ServerMessage } from '../../src/signaling/protocol.js';
import {
  CloseCodes,
  startServer,
  type RunningServer,
  type ServerOptions,
} from '../../src/signaling/server/index.js';
import { closeAllClients, TestClient, waitUntil, type OfType } from '../helpers/ws-client.js';
import { redisBroker } from '../../src/signaling/server/redis-broker.js';
import { RedisServer, requireRedis } from '../helpers/redis.js';
import { freshNamespace, waitReadyz } from '../helpers/redis-cluster.js';

// The bad-input suite also runs against a node in multi-node mode (a real redis-server).
const HAVE_REDIS = requireRedis('the Redis-mode bad-input tests of the signaling server');
let redis: RedisServer | undefined;
beforeAll(async () => {
  if (HAVE_REDIS) redis = await RedisServer.start();
});
afterAll(async () => {
  await redis?.stop();
});
const brokerModes: [string, () => ServerOptions][] = [['in-memory', () => ({})]];
if (HAVE_REDIS) {
  const url = () => (redis as RedisServer).url;
  brokerModes.push(['Redis', () => ({ broker: redisBroker({ url: url(), namespace: freshNamespace() }) })]);
}

const servers: RunningServer[] = [];
afterEach(async () => {
  await closeAllClients();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(opts: ServerOptions = {}): Promise<RunningServer> {
  return startOne(opts);
}

async function startOne(opts: ServerOptions): Promise<RunningServer> {
  const s = await startServer({ host: '127.0.0.1', port: 0, ...opts });
  servers.push(s);
  if (opts.broker) await waitReadyz(s.port);
  return s;
}

async function client(srv: RunningServer, label: string, interests?: string[]): Promise<TestClient> {
  const { client: c } = await TestClient.hello(srv.url, interests ? { interests } : {}, { label });
  return c;
}

async function healthz(srv: RunningServer, path = '/healthz'): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${srv.port}${path}`);
  return { status: res.status, body: await res.json() };
}

/** Two clients that joined and were matched with each other. */
async function matchedPair(srv: RunningServer, labels = ['a', 'b']) {
  const a = await client(srv, labels[0]!);
  const b = await client(srv, labels[1]!);
  a.send({ type: 'join' });
  await a.next('queued');
  b.send({ type: 'join' });
  const [ma, mb] = await Promise.all([a.next('matched'), b.next('matched')]);
  await b.next('queued');
  return { a, b, ma, mb };
}

const signal = (m: { matchId: string; gen: number }, sdp = 'v=0') =>
  ({
    type: 'signal',
    matchId: m.matchId,
    gen: m.gen,
    data: { kind: 'description', type: 'offer', sdp },
  }) as const;

/** A bystander that said hello before the bad input; asserts the server still serves it and others. */
async function expectServerStillWorks(srv: RunningServer, bystander: TestClient): Promise<void> {
  await bystander.sync();
  const { a, b, ma } = await matchedPair(srv, ['fresh-a', 'fresh-b']);
  a.send(signal(ma));
  expect((await b.next('signal')).matchId).toBe(ma.matchId);
  expect(bystander.isOpen).toBe(true);
}

describe('signaling server: handshake and health', () => {
  it('answers hello with a welcome', async () => {
    const iceServers = [{ urls: 'stun:stun.example.org:3478' }];
    const srv = await server({ iceServers, graceMs: 1234, heartbeatMs: 4321, maxMessageBytes: 9999 });
    expect(srv.url).toBe(`ws://127.0.0.1:${srv.port}`);
    const { client: c, welcome } = await TestClient.hello(srv.url);
    expect(welcome).toMatchObject({
      type: 'welcome',
      v: PROTOCOL_VERSION,
      resumed: false,
      match: null,
      graceMs: 1234,
      heartbeatMs: 4321,
      maxMessageBytes: 9999,
      iceServers,
    });
    expect(welcome.sessionId.length).toBeGreaterThan(8);
    expect(welcome.resumeToken.length).toBeGreaterThanOrEqual(32);
    await c.sync();
    expect(c.invalid).toEqual([]);
  });

  it('refuses another protocol version with ERR_VERSION_MISMATCH and close 4001', async () => {
    const srv = await server();
    const c = await TestClient.connect(srv.url);
    c.send({ type: 'hello', v: PROTOCOL_VERSION + 1 });
    const err = await c.error(ErrorCodes.VERSION_MISMATCH);
    expect(err.message).toBe(`server speaks protocol ${PROTOCOL_VERSION}, client ${PROTOCOL_VERSION + 1}`);
    expect((await c.closed).code).toBe(CloseCodes.VERSION_MISMATCH);
  });

  it('reports a version mismatch even when the newer hello has fields this version rejects', async () => {
    const srv = await server();
    const c = await TestClient.connect(srv.url);
    c.send({ type: 'hello', v: 7, interests: 'new-format' });
    await c.error(ErrorCodes.VERSION_MISMATCH);
    expect((await c.closed).code).toBe(CloseCodes.VERSION_MISMATCH);
  });

  it('serves /healthz and JSON 404s', async () => {
    const srv = await server({ version: '9.9.9' });
    await matchedPair(srv);
    const w = await client(srv, 'w');
    w.send({ type: 'join' });
    await w.next('queued');
    const { status, body } = await healthz(srv);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      ok: true,
      version: '9.9.9',
      protocol: PROTOCOL_VERSION,
      connections: 3,
      waiting: 1,
      matches: 1,
    });
    expect((body as { uptimeMs: number }).uptimeMs).toBeGreaterThanOrEqual(0);
    expect(await healthz(srv, '/nope')).toEqual({ status: 404, body: { ok: false, error: 'not found' } });
    expect(srv.connectionCount()).toBe(3);
  });

  it('closes connections that never say hello (4003)', async () => {
    const srv = await server({ helloTimeoutMs: 50 });
    const c = await TestClient.connect(srv.url);
    await c.error(ErrorCodes.HELLO_REQUIRED);
    expect((await c.closed).code).toBe(CloseCodes.HELLO_TIMEOUT);
  });

  it('terminates sockets that stop answering heartbeat pings', async () => {
    const srv = await server({ heartbeatMs: 30 });
    const deaf = await TestClient.connect(srv.url, { autoPong: false });
    await deaf.hello();
    const ok = await client(srv, 'ok');
    expect((await deaf.closed).code).toBe(1006);
    await ok.sync();
    expect(ok.isOpen).toBe(true);
  });

  it('answers app-level ping with pong', async () => {
    const srv = await server();
    const c = await client(srv, 'c');
    c.send({ type: 'ping', t: 42.5 });
    expect(await c.next('pong')).toEqual({ type: 'pong', t: 42.5 });
  });
});

describe('signaling server: matching and relay', () => {
  it('matches two clients with opposite roles and one match id', async () => {
    const srv = await server();
    const { ma, mb } = await matchedPair(srv);
    expect(ma.matchId).toBe(mb.matchId);
    expect(ma.matchId.length).toBeGreaterThanOrEqual(20);
    expect(new Set([ma.role, mb.role])).toEqual(new Set(['offerer', 'answerer']));
    expect(ma.gen).toBe(0);
    expect(ma.interests).toEqual([]);
  });

  it('prefers strangers sharing an interest and reports the common ones', async () => {
    const srv = await server({ interestWindowMs: 10_000 });
    const plain = await client(srv, 'plain');
    const cats = await client(srv, 'cats', ['Cats', 'Music']);
    plain.send({ type: 'join' });
    await plain.next('queued');
    cats.send({ type: 'join' });
    await cats.next('queued');
    const fan = await client(srv, 'fan', ['music', 'chess', 'cats']);
    fan.send({ type: 'join' });
    const [m1, m2] = await Promise.all([cats.next('matched'), fan.next('matched')]);
    expect(m1.matchId).toBe(m2.matchId);
    expect(m1.interests).toEqual(['cats', 'music']);
    expect(m2.interests).toEqual(['cats', 'music']);
    await plain.sync();
    expect(plain.types()).toEqual([]);
  });

  it('falls back to anyone once the interest window has passed', async () => {
    const srv = await server({ interestWindowMs: 50 });
    const plain = await client(srv, 'plain');
    const picky = await client(srv, 'picky', ['knitting']);
    picky.send({ type: 'join' });
    await picky.next('queued');
    plain.send({ type: 'join' });
    const [m1, m2] = await Promise.all([picky.next('matched'), plain.next('matched')]);
    expect(m1.matchId).toBe(m2.matchId);
    expect(m1.interests).toEqual([]);
  });

  it('relays signals only to the partner, tagged with matchId and gen', async () => {
    const srv = await server();
    const { a, b, ma } = await matchedPair(srv);
    const { a: c, b: d } = await matchedPair(srv, ['c', 'd']);
    const data = {
      kind: 'candidate',
      candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host',
      sdpMid: '0',
      sdpMLineIndex: 0,
    };
    a.send({ type: 'signal', matchId: ma.matchId, gen: 0, data });
    expect(await b.next('signal')).toEqual({ type: 'signal', matchId: ma.matchId, gen: 0, data });
    b.send(signal(ma, 'answer-sdp'));
    expect((await a.next('signal')).data).toMatchObject({ sdp: 'answer-sdp' });
    await Promise.all([a.sync(), b.sync()]);
    await Promise.all([c.sync(), d.sync()]);
    expect([a.types(), b.types(), c.types(), d.types()]).toEqual([[], [], [], []]);
  });

  it('next: the partner hears "skipped" and the sender is matched with the waiting stranger', async () => {
    const srv = await server();
    const { a, b, ma } = await matchedPair(srv);
    const c = await client(srv, 'c');
    c.send({ type: 'join' });
    await c.next('queued');
    a.send({ type: 'next' });
    expect(await b.next('partner-left')).toEqual({
      type: 'partner-left',
      matchId: ma.matchId,
      reason: 'skipped',
    });
    await a.next('queued');
    const [ac, ca] = await Promise.all([a.next('matched'), c.next('matched')]);
    expect(ac.matchId).toBe(ca.matchId);
    expect(ac.matchId).not.toBe(ma.matchId);
    // b is idle until it asks again.
    await b.sync();
    expect(b.types()).toEqual([]);
    b.send({ type: 'join' });
    await b.next('queued');
  });

  it('skip-repeat: no straight rematch with the stranger you just left while another is waiting', async () => {
    const srv = await server({ interestWindowMs: 60_000 });
    const a = await client(srv, 'a', ['x', 'y']);
    const b = await client(srv, 'b', ['x']);
    a.send({ type: 'join' });
    b.send({ type: 'join' });
    const mab = await a.next('matched');
    await b.next('matched');
    const c = await client(srv, 'c', ['y']);
    c.send({ type: 'join' });
    await c.next('queued');
    b.send({ type: 'next' }); // b waits (shares nothing with c); queue = {c, b}
    await a.next('partner-left');
    await b.next('queued');
    a.send({ type: 'join' }); // shares with both b and c: must get c
    const [ac, ca] = await Promise.all([a.next('matched'), c.next('matched')]);
    expect(ac.matchId).toBe(ca.matchId);
    expect(ac.matchId).not.toBe(mab.matchId);
    expect(ac.interests).toEqual(['y']);
  });

  it('skip-repeat: a rematch is fine when that stranger is the only one waiting', async () => {
    const srv = await server();
    const { a, b, ma } = await matchedPair(srv);
    b.send({ type: 'next' });
    await a.next('partner-left');
    await b.next('queued');
    a.send({ type: 'join' });
    const [m1, m2] = await Promise.all([a.next('matched'), b.next('matched')]);
    expect(m1.matchId).toBe(m2.matchId);
    expect(m1.matchId).not.toBe(ma.matchId);
  });

  it('leave: the partner hears "left" and the sender is idle', async () => {
    const srv = await server();
    const { a, b, ma } = await matchedPair(srv);
    a.send({ type: 'leave' });
    expect(await b.next('partner-left')).toMatchObject({ matchId: ma.matchId, reason: 'left' });
    await a.sync();
    expect(a.types()).toEqual([]);
    expect((await healthz(srv)).body).toMatchObject({ waiting: 0, matches: 0 });
  });

  it('bye: the partner hears "left", the socket closes 1000 and the resume token is void', async () => {
    const srv = await server();
    const a = await client(srv, 'a');
    const b = await client(srv, 'b');
    a.send({ type: 'join' });
    b.send({ type: 'join' });
    const ma = await a.next('matched');
    await b.next('matched');
    const token = (a.all.find((m) => m.type === 'welcome') as OfType<ServerMessage, 'welcome'>).resumeToken;
    a.send({ type: 'bye' });
    expect(await b.next('partner-left')).toMatchObject({ matchId: ma.matchId, reason: 'left' });
    expect((await a.closed).code).toBe(CloseCodes.NORMAL);
    const { welcome } = await TestClient.hello(srv.url, { resumeToken: token });
    expect(welcome.resumed).toBe(false);
  });

  it('rebuild bumps gen for both sides, keeps roles, and makes old-gen signals stale', async () => {
    const srv = await server();
    const { a, b, ma, mb } = await matchedPair(srv);
    b.send({ type: 'rebuild', matchId: ma.matchId });
    const [ra, rb] = await Promise.all([a.next('rebuild'), b.next('rebuild')]);
    expect(ra).toEqual({ type: 'rebuild', matchId: ma.matchId, gen: 1, role: ma.role });
    expect(rb).toEqual({ type: 'rebuild', matchId: ma.matchId, gen: 1, role: mb.role });
    a.send(signal({ matchId: ma.matchId, gen: 0 }));
    expect((await a.error(ErrorCodes.STALE_MATCH)).ref).toBe('signal');
    a.send(signal({ matchId: ma.matchId, gen: 1 }));
    expect(await b.next('signal')).toMatchObject({ matchId: ma.matchId, gen: 1 });
    await b.sync();
    expect(b.types()).toEqual([]);
  });
});

describe('signaling server: reconnection', () => {
  it('resume within grace keeps the partner', async () => {
    const srv = await server({ graceMs: 10_000 });
    const { a, b, ma } = await matchedPair(srv);
    const token = (a.all[0] as OfType<ServerMessage, 'welcome'>).resumeToken;
    await a.drop();
    expect(await b.next('partner-reconnecting')).toEqual({
      type: 'partner-reconnecting',
      matchId: ma.matchId,
      graceMs: 10_000,
    });
    const { client: a2, welcome } = await TestClient.hello(srv.url, { resumeToken: token }, { label: 'a2' });
    expect(welcome.resumed).toBe(true);
    expect(welcome.resumeToken).toBe(token);
    expect(welcome.match).toEqual({ matchId: ma.matchId, role: ma.role, gen: 0, interests: [] });
    expect(await b.next('partner-resumed')).toEqual({ type: 'partner-resumed', matchId: ma.matchId });
    a2.send(signal(ma));
    expect((await b.next('signal')).matchId).toBe(ma.matchId);
  });

  it('grace expiry: the partner hears "disconnected" and the token is void', async () => {
    const srv = await server({ graceMs: 50 });
    const { a, b, ma } = await matchedPair(srv);
    const token = (a.all[0] as OfType<ServerMessage, 'welcome'>).resumeToken;
    await a.drop();
    await b.next('partner-reconnecting');
    expect(await b.next('partner-left')).toEqual({
      type: 'partner-left',
      matchId: ma.matchId,
      reason: 'disconnected',
    });
    const { welcome } = await TestClient.hello(srv.url, { resumeToken: token });
    expect(welcome.resumed).toBe(false);
    expect(welcome.match).toBeNull();
  });

  it('a queued session that drops leaves the queue and rejoins it on resume', async () => {
    const srv = await server({ graceMs: 10_000 });
    const a = await client(srv, 'a');
    const token = (a.all[0] as OfType<ServerMessage, 'welcome'>).resumeToken;
    a.send({ type: 'join' });
    await a.next('queued');
    await a.drop();
    await waitUntil(() => srv.connectionCount() === 0, 2000, 'server to see the drop');
    const b = await client(srv, 'b');
    b.send({ type: 'join' });
    await b.next('queued');
    expect((await healthz(srv)).body).toMatchObject({ waiting: 1, matches: 0 });
    const { client: a2, welcome } = await TestClient.hello(srv.url, { resumeToken: token });
    expect(welcome).toMatchObject({ resumed: true, match: null });
    await a2.next('queued');
    const [m1, m2] = await Promise.all([a2.next('matched'), b.next('matched')]);
    expect(m1.matchId).toBe(m2.matchId);
  });

  it('a resume while the old socket is open replaces it (4002)', async () => {
    const srv = await server();
    const { a, b, ma } = await matchedPair(srv);
    const token = (a.all[0] as OfType<ServerMessage, 'welcome'>).resumeToken;
    const { client: a2, welcome } = await TestClient.hello(srv.url, { resumeToken: token });
    expect(welcome.match?.matchId).toBe(ma.matchId);
    expect((await a.closed).code).toBe(CloseCodes.REPLACED);
    a2.send(signal(ma));
    await b.next('signal');
    await b.sync();
    expect(b.types()).toEqual([]); // no reconnecting/resumed noise for the partner
    await a2.sync();
    expect(srv.connectionCount()).toBe(2);
  });

  it('graceful shutdown tells every client, closes 1001, and is idempotent', async () => {
    const srv = await server();
    const { a, b } = await matchedPair(srv);
    const pre = await TestClient.connect(srv.url);
    const closing = srv.close();
    expect(srv.close()).toBe(closing);
    for (const c of [a, b]) expect(await c.next('shutdown')).toMatchObject({ type: 'shutdown' });
    expect((await a.closed).code).toBe(CloseCodes.GOING_AWAY);
    expect((await pre.closed).code).toBe(CloseCodes.GOING_AWAY);
    await closing;
    await expect(fetch(`http://127.0.0.1:${srv.port}/healthz`)).rejects.toThrow();
    expect(srv.connectionCount()).toBe(0);
  });
});

describe.each(brokerModes)('signaling server: bad input, %s broker (the server stays up)', (_, mode) => {
  const server = (opts: ServerOptions = {}) => startOne({ ...mode(), ...opts });

  async function setup(opts: ServerOptions = {}) {
    const srv = await server(opts);
    const bystander = await client(srv, 'bystander');
    const bad = await client(srv, 'bad');
    return { srv, bystander, bad };
  }

  it('malformed JSON → ERR_BAD_JSON', async () => {
    const { srv, bystander, bad } = await setup();
    bad.sendRaw('{"type": "join"');
    await bad.error(ErrorCodes.BAD_JSON);
    await expectServerStillWorks(srv, bystander);
  });

  it('unknown type → ERR_UNKNOWN_TYPE with ref', async () => {
    const { srv, bystander, bad } = await setup();
    bad.send({ type: 'teleport' });
    expect((await bad.error(ErrorCodes.UNKNOWN_TYPE)).ref).toBe('teleport');
    await expectServerStillWorks(srv, bystander);
  });

  it.each([
    [
      'a signal with a string gen',
      { type: 'signal', matchId: 'm', gen: 'zero', data: { kind: 'end-of-candidates' } },
    ],
    ['join with non-array interests', { type: 'join', interests: 'cats' }],
    ['a ping without t', { type: 'ping' }],
    ['an array', ['join']],
    ['an object without type', { hello: 1 }],
  ])('wrong field types (%s) → ERR_BAD_MESSAGE', async (_name, payload) => {
    const { srv, bystander, bad } = await setup();
    bad.sendRaw(JSON.stringify(payload));
    await bad.error(ErrorCodes.BAD_MESSAGE);
    await expectServerStillWorks(srv, bystander);
  });

  it('binary frame → ERR_BINARY_FRAME', async () => {
    const { srv, bystander, bad } = await setup();
    bad.sendRaw(Buffer.from('{"type":"join"}'), { binary: true });
    await bad.error(ErrorCodes.BINARY_FRAME);
    await expectServerStillWorks(srv, bystander);
  });

  it('oversize frame → ERR_TOO_LARGE, and past the hard limit close 1009', async () => {
    const { srv, bystander, bad } = await setup({ maxMessageBytes: 1024 });
    bad.sendRaw(JSON.stringify({ type: 'ping', t: 1, pad: 'x'.repeat(1100) }));
    await bad.error(ErrorCodes.TOO_LARGE);
    await bad.sync();
    bad.sendRaw(JSON.stringify({ type: 'ping', t: 1, pad: 'x'.repeat(5000) }));
    expect((await bad.closed).code).toBe(CloseCodes.MESSAGE_TOO_BIG);
    await expectServerStillWorks(srv, bystander);
  });

  it('signal before a match → ERR_NOT_MATCHED', async () => {
    const { srv, bystander, bad } = await setup();
    bad.send(signal({ matchId: 'made-up', gen: 0 }));
    expect((await bad.error(ErrorCodes.NOT_MATCHED)).ref).toBe('signal');
    await expectServerStillWorks(srv, bystander);
  });

  it('forged matchId → ERR_STALE_MATCH, nothing reaches anyone', async () => {
    const srv = await server();
    const bystander = await client(srv, 'bystander');
    const { a, b } = await matchedPair(srv);
    const { ma: other, a: c, b: d } = await matchedPair(srv, ['c', 'd']);
    a.send(signal({ matchId: other.matchId, gen: 0 }));
    await a.error(ErrorCodes.STALE_MATCH);
    a.send({ type: 'rebuild', matchId: other.matchId });
    await a.error(ErrorCodes.STALE_MATCH);
    for (const x of [b, c, d]) await x.sync();
    expect([b.types(), c.types(), d.types()]).toEqual([[], [], []]);
    await expectServerStillWorks(srv, bystander);
  });

  it('stale matchId after next → ERR_STALE_MATCH to the sender only', async () => {
    const srv = await server();
    const bystander = await client(srv, 'bystander');
    const { a, b, ma } = await matchedPair(srv);
    const c = await client(srv, 'c');
    c.send({ type: 'join' });
    await c.next('queued');
    a.send({ type: 'next' });
    await b.next('partner-left');
    await c.next('matched');
    a.send(signal(ma));
    await a.error(ErrorCodes.STALE_MATCH);
    b.send(signal(ma)); // the skipped side too
    await b.error(ErrorCodes.STALE_MATCH);
    await Promise.all([b.sync(), c.sync()]);
    expect(c.types()).toEqual([]);
    expect(b.types()).toEqual([]);
    await expectServerStillWorks(srv, bystander);
  });

  it('flood → ERR_RATE_LIMITED, then close 4008 when it goes on', async () => {
    const { srv, bystander, bad } = await setup({
      messageRate: { ratePerSec: 10, burst: 20 },
      floodCloseAfter: 50,
    });
    for (let i = 0; i < 200; i++) bad.send({ type: 'ping', t: i });
    await bad.error(ErrorCodes.RATE_LIMITED);
    expect((await bad.closed).code).toBe(CloseCodes.RATE_LIMITED);
    expect(bad.all.filter((m) => m.type === 'pong').length).toBeLessThanOrEqual(21);
    await expectServerStillWorks(srv, bystander);
  });

  it('join/next too fast → ERR_JOIN_RATE_LIMITED', async () => {
    const { srv, bystander, bad } = await setup({ joinRate: { ratePerSec: 0.01, burst: 3 } });
    for (let i = 0; i < 3; i++) bad.send({ type: 'join' });
    bad.send({ type: 'next' });
    expect((await bad.error(ErrorCodes.JOIN_RATE_LIMITED)).ref).toBe('next');
    for (let i = 0; i < 3; i++) await bad.next('queued'); // the fourth (next) never reached the broker
    bad.send({ type: 'leave' });
    await expectServerStillWorks(srv, bystander);
  });

  it('too many connections from one IP → ERR_TOO_MANY_CONNECTIONS and close 4009', async () => {
    const srv = await server({ maxConnectionsPerIp: 3 });
    const first = await client(srv, 'first');
    const second = await client(srv, 'second');
    await client(srv, 'third');
    const fourth = await TestClient.connect(srv.url, { label: 'fourth' });
    await fourth.error(ErrorCodes.TOO_MANY_CONNECTIONS);
    expect((await fourth.closed).code).toBe(CloseCodes.TOO_MANY_CONNECTIONS);
    first.send({ type: 'join' });
    second.send({ type: 'join' });
    await Promise.all([first.next('matched'), second.next('matched')]);
    await first.close();
    await waitUntil(() => srv.connectionCount() === 2, 2000, 'the server to release the slot');
    await client(srv, 'fifth');
  });

  it('message before hello → ERR_HELLO_REQUIRED, hello still works', async () => {
    const srv = await server();
    const bystander = await client(srv, 'bystander');
    const c = await TestClient.connect(srv.url);
    c.send({ type: 'join' });
    expect((await c.error(ErrorCodes.HELLO_REQUIRED)).ref).toBe('join');
    await c.hello();
    await expectServerStillWorks(srv, bystander);
  });

  it('second hello → ERR_ALREADY_HELLO', async () => {
    const { srv, bystander, bad } = await setup();
    bad.send({ type: 'hello', v: PROTOCOL_VERSION });
    await bad.error(ErrorCodes.ALREADY_HELLO);
    await expectServerStillWorks(srv, bystander);
  });

  it('join while matched → ERR_BAD_MESSAGE, the match is kept', async () => {
    const srv = await server();
    const { a, b, ma } = await matchedPair(srv);
    a.send({ type: 'join' });
    expect((await a.error(ErrorCodes.BAD_MESSAGE)).ref).toBe('join');
    a.send(signal(ma));
    await b.next('signal');
  });

  it('repeated violations close the socket (4007)', async () => {
    const { srv, bystander, bad } = await setup({ maxProtocolErrors: 3 });
    for (let i = 0; i < 3; i++) bad.sendRaw('nope');
    expect((await bad.closed).code).toBe(CloseCodes.PROTOCOL_ERRORS);
    expect(bad.all.filter((m) => m.type === 'error')).toHaveLength(3);
    await expectServerStillWorks(srv, bystander);
  });
});
