/**
 * Fuzzing the live server: a port-0 server, and for each fast-check run a few raw clients sending
 * generated frame sequences — valid messages (signals aimed at their real match), mutated ones,
 * random text, binary frames, oversize frames, floods — interleaved. After every run the fuzz
 * clients hang up and, once the server has seen every frame (its connection count is back), an
 * unrelated client that was connected all along must still be answered, a new client must still
 * get a welcome, and nothing may have reached the server's error log (a handler or matchmaker
 * failure). The seed is printed; re-run one with RANDCHAT_FUZZ_SEED=<seed>.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/signaling/server/index.js';
import type { Logger } from '../../src/util/logger.js';
import { TestClient, waitUntil } from '../helpers/ws-client.js';

const MAX_BYTES = 2048;
const RUNS = 100;
const errors: string[] = [];
const at =
  (level: string) =>
  (msg: string, fields?: Record<string, unknown>): void => {
    if (level === 'error') errors.push(`${msg} ${JSON.stringify(fields ?? {}).slice(0, 300)}`);
  };
const logger: Logger = {
  level: 'debug',
  error: at('error'),
  warn: at('warn'),
  info: at('info'),
  debug: at('debug'),
  child: () => logger,
};

type Action =
  | { kind: 'valid'; msg: Record<string, unknown> }
  | { kind: 'signal-current'; gen: number; data: unknown }
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'binary'; bytes: Uint8Array }
  | { kind: 'oversize'; bytes: number }
  | { kind: 'flood'; count: number };

const DATA = [
  { kind: 'description', type: 'offer', sdp: 'v=0' },
  { kind: 'candidate', candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 },
  { kind: 'end-of-candidates' },
];
const VALID: Record<string, unknown>[] = [
  { type: 'hello', v: 1 },
  { type: 'hello', v: 1, interests: ['music'], identity: 'fuzz-identity-0123456789' },
  { type: 'hello', v: 1, resumeToken: 'not-a-token' },
  { type: 'hello', v: 2 },
  { type: 'join' },
  { type: 'join', interests: ['music'] },
  { type: 'next' },
  { type: 'leave' },
  { type: 'rebuild', matchId: 'm' },
  { type: 'ping', t: 1 },
  { type: 'block' },
  { type: 'report', reason: 'fuzz' },
  { type: 'bye' },
];

const mutate = fc
  .tuple(fc.constantFrom(...VALID), fc.string({ maxLength: 8 }), fc.anything())
  .map(([m, k, v]) => ({ ...m, [k === '' ? 'type' : k]: v }));

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...VALID).map((msg): Action => ({ kind: 'valid', msg })) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.nat(2), fc.oneof(fc.constantFrom(...DATA), fc.anything()))
      .map(([gen, data]): Action => ({ kind: 'signal-current', gen, data })),
  },
  {
    weight: 3,
    arbitrary: fc.oneof(mutate, fc.jsonValue()).map((value): Action => ({ kind: 'json', value })),
  },
  {
    weight: 2,
    arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((text): Action => ({ kind: 'text', text })),
  },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes): Action => ({ kind: 'binary', bytes })),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: MAX_BYTES + 1, max: MAX_BYTES * 3 })
      .map((bytes): Action => ({ kind: 'oversize', bytes })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 10, max: 150 }).map((count): Action => ({ kind: 'flood', count })),
  },
);

const scenario = fc.record({
  greet: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  steps: fc.array(fc.tuple(fc.nat(2), action), { maxLength: 60 }),
});

function run(c: TestClient, a: Action): void {
  if (!c.isOpen) return;
  switch (a.kind) {
    case 'valid':
      return c.send(a.msg);
    case 'signal-current': {
      const matched = [...c.all].reverse().find((m) => m.type === 'matched');
      const matchId = matched?.type === 'matched' ? matched.matchId : 'no-match';
      return c.send({ type: 'signal', matchId, gen: a.gen, data: a.data });
    }
    case 'json':
      return c.sendRaw(JSON.stringify(a.value) ?? 'undefined');
    case 'text':
      return c.sendRaw(a.text);
    case 'binary':
      return c.sendRaw(Buffer.from(a.bytes), { binary: true });
    case 'oversize':
      return c.sendRaw(JSON.stringify({ type: 'ping', t: 1, pad: 'x'.repeat(a.bytes) }));
    case 'flood':
      for (let i = 0; i < a.count && c.isOpen; i++) c.send({ type: 'ping', t: i });
      return;
  }
}

describe('server fuzz', () => {
  let srv: RunningServer;
  let bystander: TestClient;
  beforeAll(async () => {
    srv = await startServer({
      host: '127.0.0.1',
      port: 0,
      logger,
      maxMessageBytes: MAX_BYTES,
      messageRate: { ratePerSec: 200, burst: 60 },
      floodCloseAfter: 50,
      heartbeatMs: 0,
    });
    ({ client: bystander } = await TestClient.hello(srv.url, {}, { label: 'bystander' }));
  });
  afterAll(async () => {
    await bystander?.drop();
    await srv?.close();
  });

  it('survives generated frame sequences from several clients and keeps serving others', async () => {
    const seed = Number(process.env.RANDCHAT_FUZZ_SEED ?? Date.now() % 2 ** 31);
    console.log(`server fuzz seed: ${seed} (RANDCHAT_FUZZ_SEED=${seed} to replay)`);
    const baseline = srv.connectionCount();
    await fc.assert(
      fc.asyncProperty(scenario, async ({ greet, steps }) => {
        const clients = await Promise.all(
          greet.map((g, i) =>
            TestClient.connect(srv.url, { label: `fuzz${i}` }).then(async (c) => {
              if (g) {
                await c.hello();
                c.send({ type: 'join' });
                await c.next('queued');
              }
              return c;
            }),
          ),
        );
        // Greeted clients pair up first, so that generated signals can aim at a real match.
        const pairs = Math.floor(greet.filter(Boolean).length / 2) * 2;
        const matched = (): number => clients.filter((c) => c.all.some((m) => m.type === 'matched')).length;
        await waitUntil(() => matched() >= pairs, 2000, 'the greeted clients to be matched');
        for (const [i, a] of steps) run(clients[i]!, a);
        await Promise.all(clients.map((c) => c.drop()));
        await waitUntil(
          () => srv.connectionCount() === baseline,
          5000,
          'the server to see every fuzz client go',
        );
        await bystander.sync();
        const { client: fresh } = await TestClient.hello(srv.url, {}, { label: 'fresh' });
        await fresh.drop();
        await waitUntil(() => srv.connectionCount() === baseline, 5000, 'the fresh client to go');
        expect(errors).toEqual([]);
      }),
      { seed, numRuns: RUNS, interruptAfterTimeLimit: 40_000 },
    );
    const health = await fetch(`http://127.0.0.1:${srv.port}/healthz`);
    expect(health.status).toBe(200);
    // The generator reaches deep (the server's own counters say so): matches, relays, coded errors.
    const metrics = await (await fetch(`http://127.0.0.1:${srv.port}/metrics`)).text();
    for (const re of [
      /^randchat_matches_total [1-9]/m,
      /^randchat_signals_relayed_total [1-9]/m,
      /^randchat_errors_total\{code="ERR_BAD_JSON"\} [1-9]/m,
      /^randchat_errors_total\{code="ERR_BINARY_FRAME"\} [1-9]/m,
      /^randchat_errors_total\{code="ERR_STALE_MATCH"\} [1-9]/m,
      /^randchat_errors_total\{code="ERR_TOO_LARGE"\} [1-9]/m,
      /^randchat_errors_total\{code="ERR_HELLO_REQUIRED"\} [1-9]/m,
    ])
      expect(metrics).toMatch(re);
  });
});
