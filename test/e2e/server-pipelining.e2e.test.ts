/**
 * Pipelining after `hello`: a client may send `join` (or anything) right behind its `hello`, before
 * `welcome` arrives. With the Redis broker the session is bound asynchronously; what arrives before
 * that is held (at most MAX_EARLY messages, counted against the message rate) and processed in order.
 * Real servers on 127.0.0.1 port 0 in both broker modes, a real redis-server, raw `ws` clients.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { PROTOCOL_VERSION, type ServerMessage } from '../../src/signaling/protocol.js';
import { MAX_EARLY } from '../../src/signaling/server/connection.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/signaling/server/index.js';
import { redisBroker } from '../../src/signaling/server/redis-broker.js';
import { RedisServer, requireRedis } from '../helpers/redis.js';
import { freshNamespace, waitReadyz } from '../helpers/redis-cluster.js';
import { closeAllClients, TestClient } from '../helpers/ws-client.js';

const HAVE_REDIS = requireRedis('the Redis-mode pipelining tests');
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

type Mode = 'memory' | 'redis';
const modes: Mode[] = HAVE_REDIS ? ['memory', 'redis'] : ['memory'];

async function start(mode: Mode, opts: ServerOptions = {}): Promise<RunningServer> {
  const broker =
    mode === 'redis' ? { broker: redisBroker({ url: redis!.url, namespace: freshNamespace() }) } : {};
  const srv = await startServer({ host: '127.0.0.1', port: 0, ...opts, ...broker });
  servers.push(srv);
  if (mode === 'redis') await waitReadyz(srv.port);
  return srv;
}

const HELLO = { type: 'hello', v: PROTOCOL_VERSION } as const;
/** What arrived, as `type` or `error:CODE`, in order. */
const seen = (c: TestClient): string[] =>
  c.all.map((m: ServerMessage) => (m.type === 'error' ? `error:${m.code}` : m.type));

describe.each(modes)('pipelined messages after hello (%s broker)', (mode) => {
  it('hello + join sent back to back: welcome, then queued', async () => {
    const srv = await start(mode);
    const c = await TestClient.connect(srv.url, { label: 'pipe' });
    c.send(HELLO);
    c.send({ type: 'join' });
    await c.next('welcome');
    await c.next('queued');
    expect(seen(c)).toEqual(['welcome', 'queued']);
  });

  it('two clients that pipeline hello + join are matched with each other', async () => {
    const srv = await start(mode);
    const [a, b] = await Promise.all([
      TestClient.connect(srv.url, { label: 'a' }),
      TestClient.connect(srv.url, { label: 'b' }),
    ]);
    for (const c of [a, b]) {
      c.send(HELLO);
      c.send({ type: 'join' });
    }
    const [ma, mb] = await Promise.all([a.next('matched'), b.next('matched')]);
    expect(ma.matchId).toBe(mb.matchId);
    expect(new Set([ma.role, mb.role])).toEqual(new Set(['offerer', 'answerer']));
  });

  it('hello + join + signal garbage: the answers and error codes come in the order sent', async () => {
    const srv = await start(mode);
    const c = await TestClient.connect(srv.url, { label: 'garbage' });
    c.send(HELLO);
    c.send({ type: 'join' });
    c.send({ type: 'signal', matchId: 'm-nope', gen: 0, data: { kind: 'end-of-candidates' } });
    c.ws.send('{"type":"signal","matchId":"m-nope","gen":0,"data":{"kind":"bogus"}}');
    c.ws.send('{not json');
    c.send({ type: 'hello', v: PROTOCOL_VERSION });
    c.send({ type: 'ping', t: 7 });
    await c.waitFor((m) => m.type === 'pong' && m.t === 7);
    expect(seen(c)).toEqual([
      'welcome',
      'queued',
      `error:${ErrorCodes.NOT_MATCHED}`,
      `error:${ErrorCodes.BAD_MESSAGE}`,
      `error:${ErrorCodes.BAD_JSON}`,
      `error:${ErrorCodes.ALREADY_HELLO}`,
      'pong',
    ]);
    const refs = c.all.flatMap((m) => (m.type === 'error' ? [m.ref ?? null] : []));
    expect(refs).toEqual(['signal', 'signal', null, 'hello']);
  });

  it('held messages count against the message rate', async () => {
    const srv = await start(mode, { messageRate: { ratePerSec: 0.001, burst: 4 } });
    const c = await TestClient.connect(srv.url, { label: 'rate' });
    c.send(HELLO);
    for (let t = 1; t <= 6; t++) c.send({ type: 'ping', t });
    await c.next('welcome');
    await c.waitFor((m) => m.type === 'pong' && m.t === 3);
    await c.error(ErrorCodes.RATE_LIMITED);
    c.send({ type: 'ping', t: 99 }); // still limited: nothing more comes back
    expect(seen(c).filter((t) => t === 'pong')).toHaveLength(3);
  });
});

describe.skipIf(!HAVE_REDIS)('pipelining with the Redis broker: the hold is bounded', () => {
  it(`keeps at most ${MAX_EARLY} messages before welcome; the rest get one ERR_RATE_LIMITED, in order`, async () => {
    const srv = await start('redis');
    const c = await TestClient.connect(srv.url, { label: 'many' });
    // All frames leave in one synchronous burst, before the server's Redis round trip can answer.
    c.send(HELLO);
    for (let t = 1; t <= MAX_EARLY + 4; t++) c.send({ type: 'ping', t });
    await c.error(ErrorCodes.RATE_LIMITED);
    await c.sync();
    const pongs = c.all.flatMap((m) => (m.type === 'pong' && m.t > 0 ? [m.t] : []));
    expect(pongs).toEqual(Array.from({ length: MAX_EARLY }, (_, i) => i + 1));
    expect(seen(c).slice(0, MAX_EARLY + 2)).toEqual([
      'welcome',
      ...Array<string>(MAX_EARLY).fill('pong'),
      `error:${ErrorCodes.RATE_LIMITED}`,
    ]);
    c.send({ type: 'join' }); // and the connection works normally afterwards
    await c.next('queued');
  });
});
