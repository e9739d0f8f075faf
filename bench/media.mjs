/**
 * bench:media — the media pipeline, Session to Session through the real signaling server, on
 * 127.0.0.1, with `--video test` (640x480@30, VP8 1 Mbit/s) and `--audio tone`, decoded at 320x240.
 * Run once per ffmpeg build found (system ffmpeg and the npm-shipped one) as the in-run comparison.
 *
 * 1. source → decoded latency: the test pattern's send time, read back from the decoded pixels.
 * 2. first remote frame after chat-ready (`first-frame.ms`; 0 = the picture came before chat-ready),
 *    and after `matched`.
 * 3. recovery after a 300 ms loss burst (all video packets dropped before the decoder): from the end
 *    of the burst to the first fresh frame (counter past the burst, age < 150 ms).
 * 4. CPU per side: each ffmpeg child from /proc/PID/stat, Node (werift + pattern + glue) as half of
 *    this process (both sides live here).
 *
 * Usage: node bench/media.mjs [--seconds 8] [--rounds 5] [--json]
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Session } from '../dist/peer/session.js';
import { readStamp, stampAgeMs } from '../dist/media/pipeline/test-pattern.js';
import { startServer } from '../dist/signaling/server/index.js';
import {
  finish,
  fmtMs,
  header,
  now,
  parseFlags,
  printVerdicts,
  round,
  summarize,
  verdict,
  waitUntil,
  ROOT,
} from './lib/report.mjs';

const flags = parseFlags();
const { out } = flags;
const SECONDS = flags.num('seconds', 8);
const ROUNDS = flags.num('rounds', 5);
const TICK = os.constants ? 100 : 100; // USER_HZ on Linux

const builds = [
  ['system', '/usr/bin/ffmpeg'],
  ['@ffmpeg-installer', join(ROOT, 'node_modules/@ffmpeg-installer/linux-x64/ffmpeg')],
  ['env', process.env.RANDCHAT_FFMPEG],
].filter(([, p], i, all) => p && existsSync(p) && all.findIndex(([, q]) => q === p) === i);

function media(ffmpeg) {
  return {
    video: { kind: 'test' },
    audio: { kind: 'tone', frequency: 440 },
    ffmpegPath: ffmpeg,
    audioOut: false,
    receiveSize: { width: 320, height: 240 },
  };
}

async function pair(url, ffmpeg) {
  const sides = ['a', 'b'].map(() => {
    const s = new Session({ serverUrl: url, loopbackOnly: true, media: media(ffmpeg) });
    const st = { s, frames: [], firstFrame: null, matchedAt: 0, connectedAt: 0, firstFrameAt: 0 };
    s.on('matched', () => (st.matchedAt = now()));
    s.on('connected', () => (st.connectedAt = now()));
    s.on('first-frame', (f) => ((st.firstFrame = f), (st.firstFrameAt = now())));
    s.on('remote-frame', (f) => {
      const stamp = readStamp(f);
      st.frames.push({
        at: now(),
        counter: stamp?.counter ?? null,
        age: stamp ? stampAgeMs(stamp, Date.now()) : null,
      });
    });
    return st;
  });
  await Promise.all(sides.map((x) => x.s.start()));
  await waitUntil(() => sides.every((x) => x.firstFrame && x.connectedAt), 20_000, 'first frames');
  return sides;
}

function cpuTicks(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return NaN;
  }
}

async function runBuild(label, ffmpeg, url) {
  out(`\n[${label}] ${ffmpeg}`);
  // first frame, over fresh pairs
  const firstAfterReady = [];
  const firstAfterMatch = [];
  for (let i = 0; i < ROUNDS; i++) {
    const sides = await pair(url, ffmpeg);
    for (const x of sides) {
      firstAfterReady.push(x.firstFrame.ms);
      firstAfterMatch.push(x.firstFrameAt - x.matchedAt);
    }
    await Promise.all(sides.map((x) => x.s.stop()));
  }
  // latency + CPU on one long pair
  const [a, b] = await pair(url, ffmpeg);
  await waitUntil(() => b.frames.length > 60, 10_000, 'warm-up frames').catch((e) => {
    throw new Error(`${e.message} (a: ${a.frames.length}, b: ${b.frames.length} frames)`);
  });
  const roles = {
    'video encoder': a.s.media.videoSender.encoderPid,
    'video decoder': b.s.media.videoReceiver.decoderPid,
    'audio encoder': a.s.media.audioSender.pid,
    'audio decoder': b.s.media.audioReceiver.decoderPid,
  };
  const t0 = now();
  const c0 = process.cpuUsage();
  const ticks0 = Object.fromEntries(Object.entries(roles).map(([k, pid]) => [k, cpuTicks(pid)]));
  const from = b.frames.length;
  await new Promise((r) => setTimeout(r, SECONDS * 1000)); // measuring window: a fixed duration is the point
  const wall = (now() - t0) / 1000;
  const c1 = process.cpuUsage(c0);
  const cpu = Object.fromEntries(
    Object.entries(roles).map(([k, pid]) => [k, round(((cpuTicks(pid) - ticks0[k]) / TICK / wall) * 100, 1)]),
  );
  cpu['node (werift + glue), per side'] = round(((c1.user + c1.system) / 1e6 / wall / 2) * 100, 1);
  const window = b.frames.slice(from);
  const ages = window.filter((f) => f.age !== null).map((f) => f.age);
  const fps = window.length / wall;
  // recovery after loss bursts
  const recovery = [];
  for (let i = 0; i < ROUNDS; i++) {
    const last = b.frames.at(-1)?.counter ?? 0;
    const burstEnd = now() + 300;
    b.s.media.dropVideoFor(300);
    const fresh = (f) => f.at > burstEnd && f.counter !== null && f.counter > last + 9 && f.age < 150;
    try {
      await waitUntil(() => b.frames.some(fresh), 5000, 'a fresh frame after the loss burst');
      recovery.push(b.frames.find(fresh).at - burstEnd);
    } catch {
      recovery.push(5000); // counted as 5 s: no fresh frame within the deadline
    }
    await new Promise((r) => setTimeout(r, 1200)); // the sender restarts at most once a second
  }
  await Promise.all([a.s.stop(), b.s.stop()]);
  const perSide =
    cpu['video encoder'] +
    cpu['audio encoder'] +
    cpu['video decoder'] +
    cpu['audio decoder'] +
    cpu['node (werift + glue), per side'];
  const r = {
    ffmpeg,
    latency: summarize(ages),
    fps: round(fps, 1),
    firstFrameAfterReady: summarize(firstAfterReady),
    firstFrameAfterMatch: summarize(firstAfterMatch),
    recovery: summarize(recovery),
    cpuPercentOfOneCore: { ...cpu, 'total per side': round(perSide, 1) },
  };
  out(
    `  latency source → decoded: p50 ${fmtMs(r.latency.p50)}, p99 ${fmtMs(r.latency.p99)} (${ages.length} frames, ${r.fps} fps)`,
  );
  out(
    `  first frame after chat-ready: p50 ${fmtMs(r.firstFrameAfterReady.p50)}, max ${fmtMs(r.firstFrameAfterReady.max)}; after matched: p50 ${fmtMs(r.firstFrameAfterMatch.p50)}`,
  );
  out(`  recovery after a 300 ms loss burst: p50 ${fmtMs(r.recovery.p50)}, max ${fmtMs(r.recovery.max)}`);
  out(
    `  CPU (% of one core): ${Object.entries(r.cpuPercentOfOneCore)
      .map(([k, v]) => `${k} ${v}`)
      .join(' · ')}`,
  );
  return r;
}

const load = await header(
  out,
  'bench:media — test pattern 640x480@30 VP8 1 Mbit/s + Opus tone, Session ↔ Session on 127.0.0.1',
);
const server = await startServer({ host: '127.0.0.1', port: 0 });
const results = {};
try {
  for (const [label, path] of builds) results[label] = await runBuild(label, path, server.url);
} finally {
  await server.close();
}
const main = results.system ?? Object.values(results)[0];
const verdicts = main
  ? [
      verdict('latency p50', main.latency.p50, '<=', 50, 'ms'),
      verdict('first frame after chat-ready p50', main.firstFrameAfterReady.p50, '<=', 300, 'ms'),
      verdict('recovery after 300 ms loss p50', main.recovery.p50, '<=', 500, 'ms'),
      verdict('CPU per side', main.cpuPercentOfOneCore['total per side'], '<=', 30, '%'),
    ]
  : [];
printVerdicts(out, verdicts);
finish(flags, 'media', { ...load, results, verdicts });
process.exit(0);
