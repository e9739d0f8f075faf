/**
 * bench:startup — wall time of `node bin/randchat.js --help` (spawn to exit, output read), beside
 * `node -e ""` (bare Node start-up) measured in the same run, alternating, after warm-up runs.
 *
 * Usage: node bench/startup.mjs [--runs 20] [--json]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT,
  finish,
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
const RUNS = Math.min(200, Math.max(5, Math.floor(flags.num('runs', 20))));
const WARMUP = 2;
const RUN_TIMEOUT_MS = 10_000;
const TARGET_MS = 150;
const BIN = join(ROOT, 'bin', 'randchat.js');

/** Runs `node ...args` to completion; resolves with wall ms, exit code and stdout. Killed after 10 s. */
function timeRun(args) {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const ms = now() - t0;
      if (signal) return reject(new Error(`node ${args.join(' ')} killed by ${signal}`));
      resolve({ ms, code, stdout, stderr });
    });
  });
}

async function main() {
  const background = await header(out, 'randchat bench: start-up (`randchat --help`)');
  if (!existsSync(BIN) || !existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
    out('');
    out('  SKIP  bin/randchat.js or dist/cli/main.js is missing (run `npm run build`); nothing measured');
    finish(flags, 'startup', { ...background, skipped: true, verdicts: [] });
    return;
  }
  const ours = [];
  const ref = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const r = await timeRun([BIN, '--help']);
    if (r.code !== 0 || !/usage/i.test(r.stdout)) {
      throw new Error(`randchat --help exited ${r.code} without usage text: ${r.stderr.slice(0, 500)}`);
    }
    const b = await timeRun(['-e', '']);
    if (b.code !== 0) throw new Error(`node -e "" exited ${b.code}`);
    if (i < WARMUP) continue;
    ours.push(r.ms);
    ref.push(b.ms);
  }
  const o = summarize(ours);
  const n = summarize(ref);
  out('');
  out(`wall time, spawn → exit, ${o.n} runs each (alternating) after ${WARMUP} warm-up`);
  out(
    `  node bin/randchat.js --help   median ${fmtMs(o.p50)}   p95 ${fmtMs(o.p95)}   min ${fmtMs(o.min)}   max ${fmtMs(o.max)}`,
  );
  out(
    `  node -e "" (reference)        median ${fmtMs(n.p50)}   p95 ${fmtMs(n.p95)}   min ${fmtMs(n.min)}   max ${fmtMs(n.max)}`,
  );
  out(
    `  ratio                         median ${fmtX(ratio(o.p50, n.p50))}   p95 ${fmtX(ratio(o.p95, n.p95))}`,
  );
  out(`  randchat's own share          median +${fmtMs(o.p50 - n.p50)}`);
  const verdicts = [verdict('randchat --help median wall time', o.p50, '<=', TARGET_MS, 'ms')];
  printVerdicts(out, verdicts);
  const pick = (s) => ({
    n: s.n,
    median: round(s.p50),
    p95: round(s.p95),
    min: round(s.min),
    max: round(s.max),
  });
  finish(flags, 'startup', {
    ...background,
    helpMs: pick(o),
    nodeMs: pick(n),
    ratioMedian: round(ratio(o.p50, n.p50)),
    ratioP95: round(ratio(o.p95, n.p95)),
    verdicts,
  });
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench:startup failed: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
