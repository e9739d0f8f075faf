/**
 * Shared by every benchmark: percentiles, formatting, PASS/MISS verdicts, `--json`, the results file,
 * and a bounded `waitFor` (every wait in the benches has a deadline; nothing sleeps to "let things settle").
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const now = () => performance.now();

/** Nearest-rank percentile of an unsorted sample (0 < p ≤ 100). NaN for an empty sample. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** n, min, p50, p90, p95, p99, max, mean of a sample. */
export function summarize(values) {
  const n = values.length;
  const mean = n === 0 ? NaN : values.reduce((a, b) => a + b, 0) / n;
  return {
    n,
    min: n === 0 ? NaN : Math.min(...values),
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: n === 0 ? NaN : Math.max(...values),
    mean,
  };
}

/** Rounds for display and JSON (3 significant decimals at most). */
export function round(x, digits = 2) {
  if (!Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function ratio(ours, reference) {
  return Number.isFinite(ours) && Number.isFinite(reference) && reference !== 0 ? ours / reference : NaN;
}

export const fmtMs = (x) => (Number.isFinite(x) ? `${x.toFixed(x < 10 ? 2 : 1)} ms` : 'n/a');
export const fmtX = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a');
export const fmtKB = (bytes) => (Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(2)} KB` : 'n/a');
export const fmtInt = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');

/**
 * A target: `value` compared with `limit` (`'<='` for costs, `'>='` for throughput).
 * Returns `{ target, value, limit, unit, pass }` for the JSON summary.
 */
export function verdict(target, value, op, limit, unit) {
  const pass = Number.isFinite(value) && (op === '<=' ? value <= limit : value >= limit);
  return { target, value: round(value), op, limit, unit, pass };
}

export function printVerdicts(out, verdicts) {
  out('');
  for (const v of verdicts) {
    const shown = v.value === null ? 'n/a' : `${v.value} ${v.unit}`;
    const mark = v.skip ? 'SKIP' : v.pass ? 'PASS' : 'MISS';
    const why = v.skip ? ` — ${v.skip}` : '';
    out(`  ${mark}  ${v.target}: ${shown} (target ${v.op} ${v.limit} ${v.unit})${why}`);
  }
}

/** `--json` → one JSON line on stdout at the end, the human report on stderr instead. */
export function parseFlags(argv = process.argv.slice(2)) {
  const json = argv.includes('--json');
  const num = (name, fallback) => {
    const i = argv.indexOf(`--${name}`);
    const v = i >= 0 ? Number(argv[i + 1]) : NaN;
    return Number.isFinite(v) && v > 0 ? v : fallback;
  };
  // With --json stdout carries exactly one line; the human-readable report goes to stderr.
  const out = (line = '') => (json ? process.stderr : process.stdout).write(`${line}\n`);
  return { json, num, out };
}

export function machine() {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
  };
}

/** Share of all cores busy (0..1) over `ms` while this process waits: what else is running. */
export async function backgroundLoad(ms = 500) {
  const total = () =>
    os.cpus().reduce(
      (acc, c) => {
        const t = c.times;
        acc.busy += t.user + t.nice + t.sys + t.irq;
        acc.all += t.user + t.nice + t.sys + t.irq + t.idle;
        return acc;
      },
      { busy: 0, all: 0 },
    );
  const a = total();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const b = total();
  return b.all > a.all ? (b.busy - a.busy) / (b.all - a.all) : NaN;
}

/** Prints the title, the machine, and how busy it was just before (returned for the JSON summary). */
export async function header(out, title) {
  const m = machine();
  const busy = await backgroundLoad();
  out(`${title}`);
  out(
    `  ${m.date} · Node ${m.node} · ${m.cpus} × ${m.cpuModel} · other load ${Math.round(busy * 100)}% of all cores`,
  );
  if (busy > 0.15) {
    out('  note: something else is using the CPU; figures will be pessimistic and noisier than usual');
  }
  return { backgroundLoad: round(busy) };
}

/** Prints the one-line JSON summary (with --json) and keeps a copy in .bench-results/<name>.json. */
export function finish({ json }, name, summary) {
  const full = { bench: name, ...machine(), ...summary };
  const line = JSON.stringify(full);
  try {
    const file = join(ROOT, '.bench-results', `${name}.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${line}\n`);
  } catch {
    // the copy is a convenience; the run itself succeeded
  }
  if (json) process.stdout.write(`${line}\n`);
}

/** Resolves when `pred()` is true; checked on every `notify()` and every 5 ms; rejects after `ms`. */
export function waitUntil(pred, ms, what) {
  return new Promise((resolve, reject) => {
    if (pred()) return resolve();
    const started = now();
    const poll = setInterval(() => {
      if (pred()) {
        clearInterval(poll);
        resolve();
      } else if (now() - started > ms) {
        clearInterval(poll);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      }
    }, 5);
  });
}

/** Races `promise` against a timeout that rejects with a message naming `what`. */
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
