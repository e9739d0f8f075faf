/**
 * Supervised children for real: stop escalation against a child that ignores SIGINT (and one
 * that ignores SIGTERM too), stopAll, stderr ring buffer, and the crash test — randchat
 * SIGKILLed while ffmpeg runs must not leave ffmpeg behind. Then the argument builders against
 * every ffmpeg build on the machine: test pattern → RTP → SDP decode → raw frames.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildReceiveAudioArgs,
  buildReceiveVideoArgs,
  buildSdp,
  buildSendArgs,
} from '../../src/media/ffmpeg/args.js';
import { probeFfmpeg } from '../../src/media/ffmpeg/resolve.js';
import { ChildSupervisor, type SupervisedChild } from '../../src/media/ffmpeg/supervisor.js';
import { allFfmpegBuilds, pollUntil, processGone, requireBinary } from '../helpers/require-binary.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/supervised-ffmpeg.mjs', import.meta.url));
const builds = await allFfmpegBuilds();
const noFfmpeg = requireBinary('ffmpeg', builds.length > 0, 'apt install ffmpeg');

const sup = new ChildSupervisor();
const strays: number[] = [];
afterEach(async () => {
  await sup.stopAll();
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
});

/** A node child that prints "ready" once its handlers are installed. */
function nodeChild(script: string): SupervisedChild {
  return sup.spawn(process.execPath, ['-e', `${script}; console.log('ready'); setInterval(() => {}, 1000)`], {
    label: 'stubborn',
  });
}
async function ready(c: SupervisedChild): Promise<void> {
  const rl = createInterface({ input: c.child.stdout! });
  for await (const line of rl) if (line === 'ready') return;
  throw new Error(`${c.label} never got ready: ${c.stderrTail.join(' | ')}`);
}

describe('ChildSupervisor', () => {
  it('SIGINT is enough for a well-behaved child', async () => {
    const c = nodeChild('');
    await ready(c);
    expect(c.running).toBe(true);
    expect(sup.live).toBe(1);
    const info = await c.stop();
    expect(info).toEqual({ code: null, signal: 'SIGINT' });
    expect(c.running).toBe(false);
    expect(sup.live).toBe(0);
  });

  it('a child ignoring SIGINT gets SIGTERM', async () => {
    const c = nodeChild("process.on('SIGINT', () => {})");
    await ready(c);
    expect(await c.stop()).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('a child ignoring SIGINT and SIGTERM gets SIGKILL; stop() is idempotent', async () => {
    const c = nodeChild("process.on('SIGINT', () => {}); process.on('SIGTERM', () => {})");
    await ready(c);
    const first = c.stop();
    expect(c.stop()).toBe(first);
    expect(await first).toEqual({ code: null, signal: 'SIGKILL' });
    expect(processGone(c.pid!)).toBe(true);
    expect(await c.stop()).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('stopAll stops every live child, stubborn or not', async () => {
    const children = [nodeChild(''), nodeChild("process.on('SIGINT', () => {})"), nodeChild('')];
    await Promise.all(children.map(ready));
    expect(sup.live).toBe(3);
    await sup.stopAll();
    expect(sup.live).toBe(0);
    for (const c of children) expect(processGone(c.pid!)).toBe(true);
  });

  it('keeps the last stderr lines (\\n and \\r), and reports a natural exit', async () => {
    const lines: string[] = [];
    const c = sup.spawn(
      process.execPath,
      [
        '-e',
        "for (let i = 0; i < 30; i++) process.stderr.write('line ' + i + (i % 2 ? '\\r' : '\\n')); process.exit(3)",
      ],
      { onStderrLine: (l) => lines.push(l) },
    );
    expect(await c.exited).toEqual({ code: 3, signal: null });
    expect(lines).toHaveLength(30);
    expect(c.stderrTail).toEqual(lines.slice(10));
    expect(c.label).toBe(process.execPath.split('/').pop());
  });

  it('a binary that does not exist: exited resolves with the error, nothing is live', async () => {
    const c = sup.spawn('/nonexistent/ffmpeg', ['-version'], { label: 'ghost' });
    const info = await c.exited;
    expect(info.code).toBeNull();
    expect((info.error as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(sup.live).toBe(0);
    expect(await c.stop()).toBe(info);
  });

  it('a child that ignores its stdin and writes a lot to stderr never blocks', async () => {
    const c = sup.spawn(process.execPath, [
      '-e',
      "const s = 'x'.repeat(1000) + '\\n'; for (let i = 0; i < 2000; i++) process.stderr.write(s); process.exit(0)",
    ]);
    expect(await c.exited).toEqual({ code: 0, signal: null });
  });
});

describe.skipIf(noFfmpeg).each(builds)('ffmpeg $version', ({ path: ffmpeg }) => {
  it('crash test: ffmpeg dies with its parent, even when the parent is SIGKILLed', async () => {
    const parent = spawn(process.execPath, [FIXTURE, ffmpeg], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    parent.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const first = await new Promise<string>((resolve, reject) => {
      const rl = createInterface({ input: parent.stdout });
      rl.once('line', resolve);
      parent.once('exit', (code) => reject(new Error(`fixture exited (${code}) before printing: ${stderr}`)));
    });
    const { ffmpeg: ffmpegPid, watchdog } = JSON.parse(first) as { ffmpeg: number; watchdog: number };
    strays.push(ffmpegPid, watchdog, parent.pid!);
    expect(processGone(ffmpegPid)).toBe(false);
    expect(processGone(watchdog)).toBe(false);

    const parentExit = new Promise((r) => parent.once('exit', r));
    parent.kill('SIGKILL');
    await parentExit;
    const t0 = Date.now();
    await pollUntil(
      () => processGone(ffmpegPid),
      3000,
      `ffmpeg ${ffmpegPid} to exit after its parent was SIGKILLed`,
    );
    const ms = Date.now() - t0;
    await pollUntil(() => processGone(watchdog), 3000, 'the watchdog to exit');
    console.info(`ffmpeg ${ffmpegPid} gone ${ms} ms after its parent was SIGKILLed`);
    expect(stderr).toBe('');
  });

  it('supervisor stop: ffmpeg finishes on SIGINT', async () => {
    const c = sup.spawn(ffmpeg, [
      '-hide_banner',
      '-nostdin',
      '-re',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=rate=10',
      '-f',
      'null',
      '-',
    ]);
    await pollUntil(
      () => c.stderrTail.some((l) => /Output #0/.test(l)),
      10_000,
      'ffmpeg to start its output',
    );
    const info = await c.stop();
    expect(info.signal === 'SIGINT' || info.code === 255 || info.code === 0).toBe(true);
  });

  for (const codec of ['vp8', 'h264'] as const) {
    it(`send ${codec} test pattern + tone over loopback RTP, decode to raw frames and PCM`, async () => {
      const caps = await probeFfmpeg(ffmpeg);
      const [vport, aport] = await freePortPairs(2);
      const W = 64;
      const H = 36;
      const recv = sup.spawn(
        ffmpeg,
        buildReceiveVideoArgs({
          sdp: 'stdin',
          width: W,
          height: H,
          fpsModeFlag: caps.options.fpsMode ? 'fps_mode' : 'vsync',
          ...(caps.options.sdpLocalAddr ? { localAddr: '127.0.0.1' } : {}),
        }),
        { label: 'recv-video' },
      );
      recv.child.stdin!.end(buildSdp({ video: { port: vport!, payloadType: 96, codec } }));
      const arecv = sup.spawn(
        ffmpeg,
        buildReceiveAudioArgs({ sdp: 'stdin', platform: 'linux', sink: { kind: 'pcm' } }),
        { label: 'recv-audio' },
      );
      arecv.child.stdin!.end(buildSdp({ audio: { port: aport!, payloadType: 111, codec: 'opus' } }));
      let videoBytes = 0;
      let audioBytes = 0;
      recv.child.stdout!.on('data', (d: Buffer) => (videoBytes += d.length));
      arecv.child.stdout!.on('data', (d: Buffer) => (audioBytes += d.length));
      // Give the receivers time to bind: wait until their sockets exist (they log nothing at -loglevel error).
      await pollUntil(() => portsBound(recv.pid!, arecv.pid!), 10_000, 'receivers to bind');

      const send = sup.spawn(
        ffmpeg,
        buildSendArgs({
          platform: 'linux',
          video: { kind: 'test' },
          audio: { kind: 'tone' },
          videoCodec: codec,
          width: 320,
          height: 240,
          fps: 15,
          videoRtp: { port: vport!, payloadType: 96, ssrc: 0xdeadbeef },
          audioRtp: { port: aport!, payloadType: 111, ssrc: 1234 },
        }),
        { label: 'send' },
      );
      const frame = W * H * 3;
      await pollUntil(
        () => videoBytes >= 10 * frame && audioBytes >= 48_000,
        20_000,
        `10 frames and 0.5 s of audio (video ${videoBytes} B, audio ${audioBytes} B; send: ${send.stderrTail.join(' | ')}; recv: ${recv.stderrTail.join(' | ')})`,
      );
      expect(videoBytes % frame).toBe(0);
      await sup.stopAll();
      for (const c of [send, recv, arecv]) expect(c.running).toBe(false);
    });
  }
});

/** Even ports P with P+1 free too (ffmpeg uses PORT+1 for RTCP), found by binding port 0. */
async function freePortPairs(n: number): Promise<number[]> {
  const dgram = await import('node:dgram');
  const out: number[] = [];
  while (out.length < n) {
    const a = dgram.createSocket('udp4');
    await new Promise<void>((r) => a.bind(0, '127.0.0.1', r));
    const p = a.address().port;
    const even = p % 2 === 0 ? p : p - 1;
    const b = dgram.createSocket('udp4');
    const ok = await new Promise<boolean>((r) => {
      b.once('error', () => r(false));
      b.bind(even === p ? p + 1 : even, '127.0.0.1', () => r(true));
    });
    a.close();
    if (ok) b.close();
    if (ok && !out.includes(even)) out.push(even);
  }
  return out;
}

/** Linux: each pid has at least two UDP sockets (RTP + RTCP) open. */
function portsBound(...pids: number[]): boolean {
  if (process.platform !== 'linux') return true;
  return pids.every((pid) => {
    try {
      const fds = readdirSync(`/proc/${pid}/fd`);
      return (
        fds.filter((fd) => {
          try {
            return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:');
          } catch {
            return false;
          }
        }).length >= 2
      );
    } catch {
      return false;
    }
  });
}
