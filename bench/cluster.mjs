/**
 * bench:cluster — multi-node mode (`--redis`): what sharing the matchmaking state through Redis costs,
 * beside one node with the in-memory broker, in the same run and with the same load generator.
 *
 * Processes: this orchestrator, a redis-server it starts on 127.0.0.1 (no persistence; stopped at the
 * end), the server nodes under test (`bench/lib/server-proc.mjs`, a fresh set per scenario and round)
 * and the load generator (`bench/lib/loadgen.mjs`).
 *
 * 1. relay: 50 pairs exchange candidate-sized signals at --rate per node (default 4,000/s per node);
 *    one node with the memory broker, vs two Redis nodes where every pair spans both nodes. Server CPU
 *    per relayed message (nodes, and nodes + Redis), latency p50/p99.
 * 2. pair cycles/s: --clients clients loop join → matched → offer+candidate / answer+candidate → next;
 *    one memory node, one Redis node, two Redis nodes (clients split between them). Every node is
 *    confined to --node-cpu of a core (a cgroup CPU quota, bench/lib/cpu-quota.mjs): adding a node
 *    then adds the same CPU, as adding a machine would, however many cores this machine has to share
 *    between the nodes, Redis and the load generator. Default 0.35 core below 4 cores, else 1.
 * 3. Redis CPU per join: Redis CPU per pair cycle, less its four relayed signals, over two joins.
 *
 * Usage: node bench/cluster.mjs [--rounds 5] [--seconds 2] [--clients 200] [--rate 4000]
 *          [--node-cpu CORES (0: no quota)] [--only relay|cycles] [--json]
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { cpus } from 'node:os';
import { Child, stopAll } from './lib/children.mjs';
import { confine } from './lib/cpu-quota.mjs';
import {
  ROOT,
  finish,
  fmtInt,
  fmtMs,
  fmtX,
  header,
  now,
  parseFlags,
  printVerdicts,
  ratio,
  summarize,
  verdict,
} from './lib/report.mjs';

const flags = parseFlags();
const { out } = flags;
const ROUNDS = Math.min(9, Math.floor(flags.num('rounds', 5)));
const SECONDS = Math.min(30, flags.num('seconds', 2));
const CLIENTS = Math.floor(flags.num('clients', 200)) & ~1;
const RATE = Math.min(20_000, flags.num('rate', 4_000));
/** `--only relay` or `--only cycles`: one scenario (e.g. to compare the relay of two builds). */
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
if (ONLY !== null && ONLY !== 'relay' && ONLY !== 'cycles') throw new Error('--only takes relay or cycles');
const PAIRS = 50;
/** CPU quota per node in the pair-cycle rounds, in cores (0: none). */
const NODE_CPU = process.argv.includes('--node-cpu')
  ? Math.max(0, Number(process.argv[process.argv.indexOf('--node-cpu') + 1]) || 0)
  : cpus().length < 4
    ? 0.35
    : 1;
const SERVER_PROC = `${ROOT}/bench/lib/server-proc.mjs`;
const LOADGEN = `${ROOT}/bench/lib/loadgen.mjs`;
const UNLIMITED = { ratePerSec: 1e9, burst: 1e9 };
const NO_LIMITS = { maxConnectionsPerIp: 0, messageRate: UNLIMITED, joinRate: UNLIMITED };
const REALISTIC = { maxConnectionsPerIp: 0 };

// ------------------------------------------------------------------ redis-server

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  process.once('exit', () => child.kill('SIGKILL'));
  await new Promise((resolve, reject) => {
    let log = '';
    child.once('error', (err) => reject(new Error(`cannot run redis-server (${err.message}); install it`)));
    child.stdout.on('data', (d) => {
      log += d;
      if (log.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${log}`)));
  });
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url);
  return {
    url,
    async cpuSeconds() {
      const info = await client.info('cpu');
      const get = (k) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
      return get('used_cpu_user') + get('used_cpu_sys');
    },
    async stop() {
      client.disconnect();
      child.kill('SIGKILL');
    },
  };
}

// ------------------------------------------------------------------ scenarios

let namespaces = 0;

/** How the pair-cycle nodes were confined ('cgroup v1', 'cgroup v2'), or why not. */
let confinedBy = NODE_CPU > 0 ? null : 'no quota (--node-cpu 0)';

/**
 * Starts `nodes` server processes (memory broker when redisUrl is null) and runs fn(servers, urls).
 * With `cores`, each node gets a CPU quota of that many cores once it is ready.
 */
async function withNodes(count, redisUrl, options, fn, cores = 0) {
  const namespace = `bench${++namespaces}`;
  const opts = redisUrl ? { ...options, redis: { url: redisUrl, namespace } } : options;
  const servers = Array.from(
    { length: count },
    () => new Child(SERVER_PROC, ['randchat', JSON.stringify(opts)]),
  );
  const quotas = [];
  try {
    const urls = (await Promise.all(servers.map((s) => s.waitFor('ready', 15_000)))).map((m) => m.url);
    if (cores > 0) {
      for (const s of servers) {
        const q = confine(s.pid, cores);
        if (q) quotas.push(q);
        confinedBy = q ? q.kind : 'none: no writable cgroup hierarchy (run as root to confine the nodes)';
      }
    }
    return await fn(servers, urls);
  } finally {
    await Promise.all(servers.map((s) => s.call('close', {}, 10_000).catch(() => undefined)));
    await Promise.all(servers.map((s) => s.exited(5_000)));
    for (const q of quotas) q.release();
  }
}

/** CPU seconds of every node and of Redis between the load generator's start and end marks. */
function cpuWindow(loadgen, servers, redis) {
  const marks = {};
  const sample = async () => {
    const at = now();
    const cpus = await Promise.all(servers.map((s) => s.call('cpu', {}, 5_000)));
    const nodes = cpus.reduce((t, r) => t + (r.cpu.user + r.cpu.system) / 1e6, 0);
    return { at, nodes, redis: redis ? await redis.cpuSeconds() : 0 };
  };
  const off = loadgen.onMessage((msg) => {
    if (msg.type === 'mark') marks[msg.phase] = sample();
  });
  return async () => {
    off();
    const [a, b] = await Promise.all([marks.start, marks.end]);
    const secs = (b.at - a.at) / 1000;
    return { nodes: b.nodes - a.nodes, redis: b.redis - a.redis, secs };
  };
}

async function relay(loadgen, redis, nodes, perNode = RATE) {
  const url = nodes === 0 ? null : redis.url;
  return withNodes(Math.max(1, nodes), url, REALISTIC, async (servers, urls) => {
    const cpu = cpuWindow(loadgen, servers, nodes ? redis : null);
    const rate = perNode * Math.max(1, nodes);
    const r = await loadgen.call(
      'latency',
      { url: urls, pairs: PAIRS, rate, warmupMs: 500, durationMs: SECONDS * 1000, sequential: true },
      (SECONDS + 60) * 1000,
    );
    const c = await cpu();
    const { samples, ...rest } = r;
    return {
      ...rest,
      stats: summarize(samples),
      nodeUsPerMsg: (c.nodes * 1e6) / r.sent,
      redisUsPerMsg: (c.redis * 1e6) / r.sent,
    };
  });
}

async function cycles(loadgen, redis, nodes) {
  const url = nodes === 0 ? null : redis.url;
  return withNodes(
    Math.max(1, nodes),
    url,
    NO_LIMITS,
    async (servers, urls) => {
      const cpu = cpuWindow(loadgen, servers, nodes ? redis : null);
      const r = await loadgen.call(
        'cycles',
        { url: urls, clients: CLIENTS, warmupMs: 1_000, durationMs: SECONDS * 1000 },
        (SECONDS + 60) * 1000,
      );
      const c = await cpu();
      return {
        ...r,
        nodeCpu: c.nodes / c.secs,
        redisCpu: c.redis / c.secs,
        nodeUsPerCycle: (c.nodes * 1e6) / r.cycles,
        redisUsPerCycle: (c.redis * 1e6) / r.cycles,
      };
    },
    NODE_CPU,
  );
}

/**
 * The median over rounds of a / b, each pair taken from the same round (run back to back): on a
 * shared VM the machine's speed drifts between rounds, and a per-round ratio cancels that drift.
 */
const pairedRatio = (as, bs, key) => {
  const rs = as.map((a, i) => ratio(key(a), key(bs[i]))).sort((x, y) => x - y);
  return { median: medianBy(rs, (r) => r), rounds: rs };
};
const fmtRounds = (rs) => rs.map((r) => fmtX(r)).join(', ');

const medianBy = (rounds, key) =>
  [...rounds].sort((a, b) => key(a) - key(b))[Math.floor((rounds.length - 1) / 2)];
const pct = (x) => `${Math.round(x * 100)}%`;
const us = (x) => (Number.isFinite(x) ? `${x.toFixed(0)} µs` : 'n/a');

const KIND = { 0: 'one node, memory', 1: 'one node, Redis', 2: 'two nodes, Redis' };

/**
 * Relay rounds for 0 (memory), 1 and 2 Redis nodes at --rate per node; fills `relay_` with the
 * median rounds. Then the CPU cost again at twice that rate (memory node vs two nodes): at light load
 * most of a message's CPU is waking an idle process, and a cross-node message wakes two nodes (and
 * Redis) where a same-node one wakes one; under more load a wake-up serves several messages.
 */
async function relayScenario(loadgen, redis, relay_) {
  out('');
  out(
    `relay: ${PAIRS} pairs, candidate-sized signals at ${fmtInt(RATE)}/s per node; two nodes: every pair spans both`,
  );
  const line = (label, m, rounds) =>
    out(
      `  ${label.padEnd(17)} p50 ${fmtMs(m.stats.p50).padStart(8)}  p99 ${fmtMs(m.stats.p99).padStart(8)}` +
        `  node CPU ${us(m.nodeUsPerMsg).padStart(6)}/msg  Redis CPU ${us(m.redisUsPerMsg).padStart(6)}/msg` +
        `  (${fmtInt(m.achievedRate)} msg/s; rounds: p99 ${rounds.map((x) => fmtMs(x.stats.p99)).join(', ')};` +
        ` CPU ${rounds.map((x) => us(x.nodeUsPerMsg)).join(', ')})`,
    );
  const rel = { 0: [], 1: [], 2: [] };
  for (let r = 0; r < ROUNDS; r++) for (const n of [0, 1, 2]) rel[n].push(await relay(loadgen, redis, n));
  // The round with the median p99, with the median CPU cost of all rounds (the two vary apart).
  const pick = (rounds) => ({
    ...medianBy(rounds, (x) => x.stats.p99),
    nodeUsPerMsg: medianBy(rounds, (x) => x.nodeUsPerMsg).nodeUsPerMsg,
    redisUsPerMsg: medianBy(rounds, (x) => x.redisUsPerMsg).redisUsPerMsg,
  });
  for (const n of [0, 1, 2]) line(KIND[n], (relay_[n] = pick(rel[n])), rel[n]);
  const nodes = pairedRatio(rel[2], rel[0], (x) => x.nodeUsPerMsg);
  const all = pairedRatio(rel[2], rel[0], (x) => x.nodeUsPerMsg + x.redisUsPerMsg);
  const costNodes = nodes.median;
  out(
    `  cross-node cost per message vs one memory node: nodes ${fmtX(costNodes)}, nodes + Redis ${fmtX(all.median)}` +
      ` (median of per-round ratios; rounds ${fmtRounds(nodes.rounds)})`,
  );
  const busy = 2 * RATE;
  out(`  at ${fmtInt(busy)}/s per node:`);
  const hot = { 0: [], 2: [] };
  for (let r = 0; r < ROUNDS; r++) for (const n of [0, 2]) hot[n].push(await relay(loadgen, redis, n, busy));
  const median = {};
  for (const n of [0, 2]) line(KIND[n], (median[n] = pick(hot[n])), hot[n]);
  const busyRatio = pairedRatio(hot[2], hot[0], (x) => x.nodeUsPerMsg);
  const costBusy = busyRatio.median;
  out(
    `  cross-node cost per message vs one memory node at ${fmtInt(busy)}/s per node: ${fmtX(costBusy)}` +
      ` (rounds ${fmtRounds(busyRatio.rounds)})`,
  );
  relay_.busy = { rate: busy, memory: median[0], twoNodes: median[2], costNodes: costBusy };
  return { costNodes, costBusy };
}

/** Pair-cycle rounds for 0, 1 and 2 nodes; fills `cycles_`. */
async function cyclesScenario(loadgen, redis, cycles_, relay_) {
  out('');
  out(
    `pair cycles/s: ${CLIENTS} clients (split over the nodes); ${ROUNDS} rounds × ${SECONDS} s after 1 s warm-up;` +
      (NODE_CPU > 0 ? ` each node confined to ${NODE_CPU} core` : ' nodes not confined'),
  );
  const cyc = { 0: [], 1: [], 2: [] };
  for (let r = 0; r < ROUNDS; r++) for (const n of [0, 1, 2]) cyc[n].push(await cycles(loadgen, redis, n));
  for (const n of [0, 1, 2]) {
    const c = (cycles_[n] = medianBy(cyc[n], (x) => x.perSec));
    out(
      `  ${KIND[n].padEnd(17)} ${fmtInt(c.perSec).padStart(6)} cycles/s  nodes ${pct(c.nodeCpu)} CPU (${us(c.nodeUsPerCycle)}/cycle)` +
        `  Redis ${pct(c.redisCpu)} CPU (${us(c.redisUsPerCycle)}/cycle)  load generator ${pct(c.loadgenCpu)}` +
        `  (rounds ${cyc[n].map((x) => fmtInt(x.perSec)).join(', ')})${Object.keys(c.errors).length ? ` errors ${JSON.stringify(c.errors)}` : ''}`,
    );
  }
  out(`  CPU quota per node: ${confinedBy}`);
  const paired = pairedRatio(cyc[2], cyc[1], (x) => x.perSec);
  const scale = paired.median;
  // Needs the relay scenario's Redis CPU per message (NaN with --only cycles).
  const perJoin = (cycles_[2].redisUsPerCycle - 4 * (relay_[2]?.redisUsPerMsg ?? NaN)) / 2;
  out(
    `  two nodes / one node (Redis): ${fmtX(scale)} (median of per-round ratios; rounds ${fmtRounds(paired.rounds)});` +
      ` vs one memory node ${fmtX(ratio(cycles_[2].perSec, cycles_[0].perSec))}`,
  );
  out(`  Redis CPU per join (cycle less its 4 signals, over 2 joins): ${us(perJoin)}`);
  return { scale, perJoin, confinedBy };
}

async function main() {
  const background = await header(out, 'randchat bench: multi-node (Redis) vs one node (memory broker)');
  const redis = await startRedis();
  const loadgen = new Child(LOADGEN);
  await loadgen.waitFor('ready', 15_000);

  const relay_ = {};
  let costNodes = NaN;
  let costBusy = NaN;
  if (ONLY !== 'cycles') ({ costNodes, costBusy } = await relayScenario(loadgen, redis, relay_));
  const cycles_ = {};
  let scale = NaN;
  let perJoin = NaN;
  if (ONLY !== 'relay') ({ scale, perJoin } = await cyclesScenario(loadgen, redis, cycles_, relay_));
  const confined = confinedBy?.startsWith('cgroup') ?? false;

  const verdicts = [];
  if (ONLY !== 'cycles') {
    verdicts.push(
      verdict(
        `cross-node relay CPU per message vs one node, ${fmtInt(RATE)}/s per node`,
        costNodes,
        '<=',
        2,
        '×',
      ),
      verdict(
        `cross-node relay CPU per message vs one node, ${fmtInt(2 * RATE)}/s per node`,
        costBusy,
        '<=',
        2,
        '×',
      ),
      verdict('relay p99 at 4,000 msg/s per node, two nodes', relay_[2].stats.p99, '<=', 10, 'ms'),
    );
  }
  if (ONLY !== 'relay') {
    // Unconfined, two nodes, Redis and the load generator share this machine's cores: the ratio then
    // says how the machine was shared, not how the design scales, so it gets no verdict.
    const each = NODE_CPU > 0 ? ` (${NODE_CPU} core each)` : '';
    const v = verdict(`pair cycles/s, two nodes vs one${each}`, scale, '>=', 1.7, '×');
    verdicts.push(confined ? v : { ...v, skip: `nodes not confined: ${confinedBy}` });
  }
  printVerdicts(out, verdicts);
  await loadgen.stop();
  await redis.stop();
  finish(flags, 'cluster', {
    ...background,
    relay: relay_,
    cycles: cycles_,
    redisUsPerJoin: perJoin,
    nodeCpu: NODE_CPU,
    confinedBy,
    verdicts,
  });
}

main()
  .catch(async (err) => {
    process.stderr.write(`bench:cluster failed: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
