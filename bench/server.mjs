/**
 * bench:server — the signaling server under load, beside a minimal `ws` relay (bench/lib/minimal-relay.mjs)
 * driven by the same load generator in the same run.
 *
 * Processes: this orchestrator (idle while measuring), the server under test (a fresh child per
 * scenario, run with --expose-gc), and the load generator (one child for the whole run). Each has its
 * own open-file limit, so 10,000 connections cost 10,000 descriptors on each side.
 *
 * 1. memory per idle connection: RSS and heap after gc, before and after 10,000 hello'd idle sockets,
 *    over ws:// and over wss:// (TLS, a self-signed P-256 certificate made at bench time), and the
 *    idle connections one node can hold per GiB of RSS.
 * 2. pair cycles per second: N clients loop join → matched → offer+candidate / answer+candidate
 *    (2 × ~3 KB, 2 × ~200 B) → next, for a fixed time; the server's CPU use is sampled alongside.
 * 3. relay latency: matched pairs relay candidate-sized signals carrying a timestamp, paced at a fixed
 *    rate; p50/p99 of send → receive (both ends in the load generator).
 *
 * Throughput and latency run in rounds, randchat and the relay alternating, each round on a fresh
 * server process; the median round is reported (the machine is shared: one noisy round should not
 * decide the figure) beside every round's value.
 *
 * Usage: node bench/server.mjs [--connections 10000] [--clients 200] [--rounds 3] [--seconds 2]
 *          [--rate 4000] [--json]
 */
import { Child, stopAll } from './lib/children.mjs';
import { memoryJson, memoryScenario } from './lib/server-memory.mjs';
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
  round,
  summarize,
  verdict,
} from './lib/report.mjs';

const flags = parseFlags();
const { out } = flags;
const CONNECTIONS = Math.min(15_000, Math.floor(flags.num('connections', 10_000)));
const CYCLE_CLIENTS = Math.floor(flags.num('clients', 200)) & ~1;
const ROUNDS = Math.min(9, Math.floor(flags.num('rounds', 3)));
const SECONDS = Math.min(30, flags.num('seconds', 2));
const LATENCY_RATE = Math.min(20_000, flags.num('rate', 4_000));
const LATENCY_PAIRS = 50;

const TARGET_BYTES_PER_CONN = 8 * 1024;
const TARGET_CYCLES_PER_SEC = 5_000;
const TARGET_P99_MS = 3;

const SERVER_PROC = `${ROOT}/bench/lib/server-proc.mjs`;
const LOADGEN = `${ROOT}/bench/lib/loadgen.mjs`;
const UNLIMITED = { ratePerSec: 1e9, burst: 1e9 };
/** Production settings, except that every client comes from 127.0.0.1 (no per-IP cap). */
const REALISTIC = { maxConnectionsPerIp: 0 };
/** The cycle loop joins/nexts far faster than the per-connection limits allow a human client. */
const NO_LIMITS = { maxConnectionsPerIp: 0, messageRate: UNLIMITED, joinRate: UNLIMITED };
const KINDS = ['randchat', 'minimal'];
const LABEL = { randchat: 'randchat', minimal: 'minimal ws relay' };

async function withServer(kind, options, fn) {
  const server = new Child(SERVER_PROC, [kind, JSON.stringify(options)], { execArgv: ['--expose-gc'] });
  try {
    const { url } = await server.waitFor('ready', 15_000);
    return await fn(server, url);
  } finally {
    await server.call('close', {}, 10_000).catch(() => undefined);
    await server.exited(5_000);
  }
}

/** Samples the server's CPU time at the load generator's window marks; returns utilisation (0..1). */
function cpuSampler(loadgen, server) {
  const marks = {};
  const off = loadgen.onMessage((msg) => {
    if (msg.type !== 'mark') return;
    const at = now();
    marks[msg.phase] = server.call('cpu', {}, 5_000).then((r) => ({ at, cpu: r.cpu }));
  });
  return async () => {
    off();
    const [start, end] = await Promise.all([marks.start, marks.end]);
    if (!start || !end) return NaN;
    const used = end.cpu.user + end.cpu.system - start.cpu.user - start.cpu.system;
    return used / 1000 / (end.at - start.at);
  };
}

async function cycles(loadgen, kind) {
  return withServer(kind, NO_LIMITS, async (server, url) => {
    const cpu = cpuSampler(loadgen, server);
    const r = await loadgen.call(
      'cycles',
      { url, clients: CYCLE_CLIENTS, warmupMs: 1_000, durationMs: SECONDS * 1000 },
      (SECONDS + 30) * 1000,
    );
    return { ...r, serverCpu: await cpu() };
  });
}

async function latency(loadgen, kind) {
  return withServer(kind, REALISTIC, async (server, url) => {
    const cpu = cpuSampler(loadgen, server);
    const r = await loadgen.call(
      'latency',
      { url, pairs: LATENCY_PAIRS, rate: LATENCY_RATE, warmupMs: 500, durationMs: SECONDS * 1000 },
      (SECONDS + 30) * 1000,
    );
    const { samples, ...rest } = r;
    return { ...rest, stats: summarize(samples), serverCpu: await cpu() };
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/** The round with the median `key` (rounds are odd in number by default). */
function medianRound(rounds, key) {
  const sorted = [...rounds].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

const pct = (x) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : 'n/a');
const errs = (e) => (Object.keys(e).length === 0 ? '' : `   errors ${JSON.stringify(e)}`);

async function main() {
  const background = await header(
    out,
    'randchat bench: signaling server (randchat vs a minimal ws relay, same load generator)',
  );
  const loadgen = new Child(LOADGEN);
  await loadgen.waitFor('ready', 15_000);
  const res = { memory: {}, cycles: {}, latency: {} };

  const mem = await memoryScenario({
    loadgen,
    withServer,
    kinds: KINDS,
    label: LABEL,
    connections: CONNECTIONS,
    realistic: REALISTIC,
    out,
  });
  res.memory = mem.memory;

  out('');
  out(
    `pair cycles/s: ${CYCLE_CLIENTS} clients; join → matched → offer+candidate, answer+candidate ` +
      `(2 × ~3 KB, 2 × ~200 B) → next; rate limits off; ${ROUNDS} rounds × ${SECONDS} s after 1 s warm-up`,
  );
  const cyc = { randchat: [], minimal: [] };
  for (let r = 0; r < ROUNDS; r++) for (const kind of KINDS) cyc[kind].push(await cycles(loadgen, kind));
  for (const kind of KINDS) {
    const c = (res.cycles[kind] = medianRound(cyc[kind], (x) => x.perSec));
    out(
      `  ${LABEL[kind].padEnd(17)} ${fmtInt(c.perSec).padStart(7)} cycles/s   (rounds ${cyc[kind].map((x) => fmtInt(x.perSec)).join(', ')};` +
        ` median round: server CPU ${pct(c.serverCpu)}, load generator CPU ${pct(c.loadgenCpu)})${errs(c.errors)}`,
    );
  }
  const cycRatio = ratio(res.cycles.randchat.perSec, res.cycles.minimal.perSec);
  // Server CPU time per cycle: less sensitive than the rate to whatever else the machine is running.
  const cpuPerCycle = (kind) => median(cyc[kind].map((x) => (x.serverCpu * 1e6) / x.perSec));
  const usPerCycle = { randchat: cpuPerCycle('randchat'), minimal: cpuPerCycle('minimal') };
  out(`  ratio randchat / minimal  ${fmtX(cycRatio)}`);
  out(
    `  server CPU per cycle      randchat ${usPerCycle.randchat.toFixed(0)} µs, minimal ${usPerCycle.minimal.toFixed(0)} µs` +
      ` (${fmtX(ratio(usPerCycle.randchat, usPerCycle.minimal))}); one core's worth ≈ ${fmtInt(1e6 / usPerCycle.randchat)} cycles/s`,
  );

  out('');
  out(
    `relay latency: ${LATENCY_PAIRS} matched pairs, candidate-sized signals paced at ${fmtInt(LATENCY_RATE)}/s ` +
      `(1 ms ticks); production rate limits; ${ROUNDS} rounds × ${SECONDS} s after 0.5 s warm-up`,
  );
  const lat = { randchat: [], minimal: [] };
  for (let r = 0; r < ROUNDS; r++) for (const kind of KINDS) lat[kind].push(await latency(loadgen, kind));
  for (const kind of KINDS) {
    const l = (res.latency[kind] = medianRound(lat[kind], (x) => x.stats.p99));
    const s = l.stats;
    out(
      `  ${LABEL[kind].padEnd(17)} p50 ${fmtMs(s.p50)}   p90 ${fmtMs(s.p90)}   p99 ${fmtMs(s.p99)}   max ${fmtMs(s.max)}` +
        `   (p99 by round ${lat[kind].map((x) => x.stats.p99.toFixed(2)).join(', ')} ms; ${fmtInt(s.n)} samples at ` +
        `${fmtInt(l.achievedRate)}/s, ${l.lost} lost; server CPU ${pct(l.serverCpu)})${errs(l.errors)}`,
    );
  }
  const lr = res.latency;
  out(
    `  ratio randchat / minimal  p50 ${fmtX(ratio(lr.randchat.stats.p50, lr.minimal.stats.p50))}` +
      `   p99 ${fmtX(ratio(lr.randchat.stats.p99, lr.minimal.stats.p99))}`,
  );

  const verdicts = [
    verdict(
      'memory per idle connection (RSS)',
      res.memory.randchat.rss / 1024,
      '<=',
      TARGET_BYTES_PER_CONN / 1024,
      'KB',
    ),
    verdict('pair cycles per second', res.cycles.randchat.perSec, '>=', TARGET_CYCLES_PER_SEC, '/s'),
    verdict(`relay latency p99 at ${LATENCY_RATE}/s`, lr.randchat.stats.p99, '<=', TARGET_P99_MS, 'ms'),
  ];
  printVerdicts(out, verdicts);

  await loadgen.stop();
  const latJson = (l) => ({
    p50: round(l.stats.p50, 3),
    p90: round(l.stats.p90, 3),
    p99: round(l.stats.p99, 3),
    max: round(l.stats.max, 3),
    samples: l.stats.n,
    lost: l.lost,
    rate: round(l.achievedRate, 0),
    serverCpu: round(l.serverCpu),
  });
  finish(flags, 'server', {
    ...background,
    ...memoryJson(mem),
    connections: CONNECTIONS,
    cyclesPerSec: Object.fromEntries(
      KINDS.map((k) => [
        k,
        {
          perSec: round(res.cycles[k].perSec, 0),
          byRound: cyc[k].map((x) => round(x.perSec, 0)),
          serverCpu: round(res.cycles[k].serverCpu),
          loadgenCpu: round(res.cycles[k].loadgenCpu),
          errors: res.cycles[k].errors,
        },
      ]),
    ),
    cyclesRatio: round(cycRatio),
    serverCpuUsPerCycle: { randchat: round(usPerCycle.randchat, 0), minimal: round(usPerCycle.minimal, 0) },
    cycleClients: CYCLE_CLIENTS,
    rounds: ROUNDS,
    seconds: SECONDS,
    latencyMs: Object.fromEntries(
      KINDS.map((k) => [k, { ...latJson(lr[k]), p99ByRound: lat[k].map((x) => round(x.stats.p99, 3)) }]),
    ),
    latencyRatioP99: round(ratio(lr.randchat.stats.p99, lr.minimal.stats.p99)),
    verdicts,
  });
}

main().then(
  () => process.exit(0),
  async (err) => {
    process.stderr.write(`bench:server failed: ${err?.stack ?? err}\n`);
    await stopAll();
    process.exit(1);
  },
);
