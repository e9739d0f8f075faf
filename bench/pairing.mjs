/**
 * bench:pairing — CPU time of one matchmaker `step()` for a plain `join` (no interests) while N
 * "picky" strangers wait (each with its own interest, inside its interest window). Pure: no sockets.
 * Each timed join is undone (`leave`, untimed) so the queue keeps exactly N picky waiters.
 *
 * Usage: npm run build && node bench/pairing.mjs [--sizes 1000,10000,50000] [--joins 2000]
 *        [--from dist] [--json]   (`--from` picks another compiled tree, e.g. an older build)
 */
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, finish, header, now, parseFlags, round, summarize } from './lib/report.mjs';

const flags = parseFlags();
const { out } = flags;
const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const SIZES = opt('sizes', '1000,10000,50000').split(',').map(Number);
const JOINS = Math.max(100, Math.floor(flags.num('joins', 2000)));
const fromDir = opt('from', 'dist');
const dist = isAbsolute(fromDir) ? fromDir : join(ROOT, fromDir);
const load = (file) => import(pathToFileURL(join(dist, 'signaling', 'server', file)).href);

const { step } = await load('matchmaker.js');
const { createMatchState } = await load('state.js');
const { seededRng } = await load('rng.js');

/** Median µs per plain join with `n` picky strangers waiting. */
function measure(n) {
  const st = createMatchState({ interestWindowMs: 3_600_000 });
  const rng = seededRng(n);
  const t = 1_000;
  const hello = (conn, interests) => {
    const fx = step(st, { type: 'hello', conn, interests }, t, rng).effects;
    return fx.find((e) => e.type === 'bind').session;
  };
  for (let i = 0; i < n; i++) step(st, { type: 'join', session: hello(i, [`topic-${i}`]) }, t, rng);
  const plain = hello(-1, []);
  const samples = [];
  for (let k = 0; k < JOINS; k++) {
    const t0 = now();
    step(st, { type: 'join', session: plain }, t, rng);
    samples.push((now() - t0) * 1000);
    step(st, { type: 'leave', session: plain }, t, rng);
  }
  if (st.queue.size !== n || st.matches.size !== 0) throw new Error('the plain joiner was matched');
  return summarize(samples.slice(Math.floor(JOINS / 4))); // drop warm-up
}

const head = await header(out, `bench:pairing — one plain join while N picky strangers wait (${fromDir})`);
const results = [];
for (const n of SIZES) {
  const s = measure(n);
  results.push({ waiting: n, p50Us: round(s.p50), p99Us: round(s.p99), meanUs: round(s.mean) });
  out(`  ${String(n).padStart(7)} waiting: p50 ${s.p50.toFixed(2)} µs, p99 ${s.p99.toFixed(2)} µs`);
}
finish(flags, 'pairing', { ...head, joins: JOINS, results });
