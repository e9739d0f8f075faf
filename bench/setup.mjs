/**
 * bench:setup — how long from "matched" to chat-ready, through the real signaling server, compared
 * with two bare werift PeerLinks whose signals are handed over in-process (the werift floor).
 *
 * 1. match → chat-ready: two fresh Sessions (loopbackOnly) per round; from the first `matched` to the
 *    second `connected` (both data channels open). Interleaved with the reference: two PeerLinks
 *    built and started at t0, signals passed directly, until both channels are open.
 * 2. /next → next stranger chat-ready: three Sessions with autoNext; a matched one calls next() and is
 *    paired with the waiting third; from next() to the caller's `connected` for the new match.
 *
 * Everything runs in this process on 127.0.0.1. Usage: node bench/setup.mjs [--rounds 20] [--json]
 */
import { PeerLink } from '../dist/peer/peer-link.js';
import { Session } from '../dist/peer/session.js';
import { startServer } from '../dist/signaling/server/index.js';
import {
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
  waitUntil,
  withTimeout,
} from './lib/report.mjs';

const flags = parseFlags();
const { out } = flags;
const ROUNDS = Math.max(20, Math.floor(flags.num('rounds', 20)));
const WARMUP = 2;
const ROUND_TIMEOUT_MS = 10_000;
const DEADLINE = now() + 120_000; // the whole bench, whatever happens
const TARGET_SETUP_P50_MS = 200;
const TARGET_NEXT_P50_MS = 250;

/** No per-IP cap and no join/next rate limit: the /next loop skips faster than a human would. */
const UNLIMITED = { ratePerSec: 1e9, burst: 1e9 };
const SERVER_OPTIONS = { host: '127.0.0.1', port: 0, maxConnectionsPerIp: 0, joinRate: UNLIMITED };

function checkDeadline() {
  if (now() > DEADLINE) throw new Error('setup bench exceeded its 120 s budget');
}

/** A Session with a timestamped log of the events we time. */
function tracked(url, extra = {}) {
  const session = new Session({ serverUrl: url, loopbackOnly: true, clientName: 'bench', ...extra });
  const log = [];
  const offs = ['matched', 'connected', 'partner-left', 'error'].map((name) =>
    session.on(name, (data) => log.push({ name, at: now(), data })),
  );
  const find = (name, pred = () => true, from = 0) =>
    log.slice(from).find((e) => e.name === name && pred(e.data));
  return { session, log, find, dispose: () => offs.forEach((off) => off()) };
}

/** One round through the real server: fresh pair, time from first `matched` to second `connected`. */
async function sessionRound(url) {
  const a = tracked(url);
  const b = tracked(url);
  try {
    await withTimeout(
      Promise.all([a.session.start(), b.session.start()]),
      ROUND_TIMEOUT_MS,
      'sessions start',
    );
    await waitUntil(() => a.find('connected') && b.find('connected'), ROUND_TIMEOUT_MS, 'both connected');
    const matched = Math.min(a.find('matched').at, b.find('matched').at);
    const ready = Math.max(a.find('connected').at, b.find('connected').at);
    return {
      ms: ready - matched,
      reportedMs: Math.max(a.find('connected').data.setupMs, b.find('connected').data.setupMs),
    };
  } finally {
    await Promise.all([a.session.stop(), b.session.stop()]);
    a.dispose();
    b.dispose();
  }
}

/** The werift reference: two PeerLinks, signals handed over directly, both channels open. */
async function bareRound() {
  let opened = 0;
  const t0 = now();
  let tReady = NaN;
  const links = {};
  const make = (role, other) =>
    new PeerLink({
      role,
      iceServers: [],
      loopbackOnly: true,
      sendSignal: (data) => void links[other].handleRemoteSignal(data),
    });
  links.a = make('offerer', 'b');
  links.b = make('answerer', 'a');
  const failures = [];
  for (const link of [links.a, links.b]) {
    link.on('open', () => {
      if (++opened === 2) tReady = now();
    });
    link.on('failed', (err) => failures.push(err));
  }
  try {
    void links.b.start();
    void links.a.start();
    await waitUntil(() => opened === 2 || failures.length > 0, ROUND_TIMEOUT_MS, 'bare links open');
    if (failures.length > 0) throw failures[0];
    return tReady - t0;
  } finally {
    await Promise.all([links.a.close(), links.b.close()]);
  }
}

/** Three autoNext sessions; the caller skips its stranger and meets the waiting one. */
async function nextLoop(url, rounds) {
  const all = [
    tracked(url, { autoNext: true }),
    tracked(url, { autoNext: true }),
    tracked(url, { autoNext: true }),
  ];
  const samples = [];
  const bothSamples = [];
  try {
    await withTimeout(Promise.all(all.map((t) => t.session.start())), ROUND_TIMEOUT_MS, 'sessions start');
    const connectedNow = () => all.filter((t) => t.session.state === 'connected');
    await waitUntil(() => connectedNow().length === 2, ROUND_TIMEOUT_MS, 'first pair connected');
    for (let i = 0; i < WARMUP + rounds; i++) {
      checkDeadline();
      const pair = connectedNow();
      if (pair.length !== 2) throw new Error(`expected one connected pair, found ${pair.length} connected`);
      const caller = pair[i % 2];
      const skipped = pair[(i + 1) % 2];
      const waiting = all.find((t) => !pair.includes(t));
      const oldMatch = caller.session.matchId;
      const marks = all.map((t) => t.log.length);
      const mark = (t) => marks[all.indexOf(t)];
      const t0 = now();
      caller.session.next();
      const isNew = (d) => d.matchId !== oldMatch;
      await waitUntil(
        () =>
          caller.find('connected', isNew, mark(caller)) && waiting.find('connected', isNew, mark(waiting)),
        ROUND_TIMEOUT_MS,
        'the next stranger connected',
      );
      // The skipped one must be back in the queue before the next round skips again.
      await waitUntil(
        () =>
          skipped.find('partner-left', () => true, mark(skipped)) && skipped.session.state === 'searching',
        ROUND_TIMEOUT_MS,
        'the skipped stranger searching again',
      );
      if (i < WARMUP) continue;
      const callerReady = caller.find('connected', isNew, mark(caller)).at;
      const otherReady = waiting.find('connected', isNew, mark(waiting)).at;
      samples.push(callerReady - t0);
      bothSamples.push(Math.max(callerReady, otherReady) - t0);
    }
    return { samples, bothSamples };
  } finally {
    await Promise.all(all.map((t) => t.session.stop()));
    all.forEach((t) => t.dispose());
  }
}

async function main() {
  const background = await header(out, 'randchat bench: setup (match → chat-ready, /next → next stranger)');
  const server = await startServer(SERVER_OPTIONS);
  try {
    const ours = [];
    const reported = [];
    const bare = [];
    for (let i = 0; i < WARMUP + ROUNDS; i++) {
      checkDeadline();
      const s = await sessionRound(server.url);
      const b = await bareRound();
      if (i < WARMUP) continue;
      ours.push(s.ms);
      reported.push(s.reportedMs);
      bare.push(b);
    }
    const next = await nextLoop(server.url, ROUNDS);

    const o = summarize(ours);
    const r = summarize(bare);
    const n = summarize(next.samples);
    const nb = summarize(next.bothSamples);
    out('');
    out(`match → chat-ready (both data channels open), ${o.n} rounds after ${WARMUP} warm-up`);
    out(
      `  randchat (real server, Sessions)   p50 ${fmtMs(o.p50)}   p95 ${fmtMs(o.p95)}   min ${fmtMs(o.min)}   max ${fmtMs(o.max)}`,
    );
    out(
      `  reference (bare werift PeerLinks)  p50 ${fmtMs(r.p50)}   p95 ${fmtMs(r.p95)}   min ${fmtMs(r.min)}   max ${fmtMs(r.max)}`,
    );
    out(
      `  ratio randchat / bare werift       p50 ${fmtX(ratio(o.p50, r.p50))}   p95 ${fmtX(ratio(o.p95, r.p95))}`,
    );
    out(`  overhead                           p50 +${fmtMs(o.p50 - r.p50)}`);
    out(`  (Session's own setupMs, slower side: p50 ${fmtMs(summarize(reported).p50)})`);
    out('');
    out(`/next → next stranger chat-ready, ${n.n} skips after ${WARMUP} warm-up (3 sessions, autoNext)`);
    out(
      `  caller connected                   p50 ${fmtMs(n.p50)}   p95 ${fmtMs(n.p95)}   max ${fmtMs(n.max)}`,
    );
    out(
      `  both sides connected               p50 ${fmtMs(nb.p50)}   p95 ${fmtMs(nb.p95)}   max ${fmtMs(nb.max)}`,
    );
    out(`  ratio caller p50 / bare werift p50 ${fmtX(ratio(n.p50, r.p50))}`);
    const verdicts = [
      verdict('match → chat-ready p50', o.p50, '<=', TARGET_SETUP_P50_MS, 'ms'),
      verdict('/next → next stranger chat-ready p50', n.p50, '<=', TARGET_NEXT_P50_MS, 'ms'),
    ];
    printVerdicts(out, verdicts);
    const pick = (s) => ({
      n: s.n,
      p50: round(s.p50),
      p95: round(s.p95),
      min: round(s.min),
      max: round(s.max),
    });
    finish(flags, 'setup', {
      ...background,
      matchToReadyMs: pick(o),
      bareWeriftMs: pick(r),
      ratioP50: round(ratio(o.p50, r.p50)),
      ratioP95: round(ratio(o.p95, r.p95)),
      nextToReadyMs: pick(n),
      nextToBothReadyMs: pick(nb),
      nextRatioP50: round(ratio(n.p50, r.p50)),
      verdicts,
    });
  } finally {
    await server.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench:setup failed: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
