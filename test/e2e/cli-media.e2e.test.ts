/**
 * Media through the CLI as real child processes: `randchat server --port 0` and `randchat --json`
 * strangers on loopback with real ffmpeg and werift. Media commands on stdin (`/video off|on`,
 * `mute`), `--record` and `--snapshot` files, H.264 both ways, and the black / frozen picture
 * detectors. Needs `npm run build` (bin uses dist/) and ffmpeg.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, spawnCli, type CliEvent, type CliProcess } from '../helpers/cli-process.js';
import { requireFfmpegOrSkip } from '../helpers/media.js';
import { spawnServer } from '../helpers/server-process.js';

const FFMPEG = requireFfmpegOrSkip('the CLI media end-to-end tests');

const dirs: string[] = [];
afterEach(async () => {
  await killAll();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'randchat-media-'));
  dirs.push(d);
  return d;
}

const is =
  (event: string, fields: Record<string, unknown> = {}) =>
  (e: CliEvent): boolean =>
    e.event === event && Object.entries(fields).every(([k, v]) => e[k] === v);

/** Waits for an event matching `pred` that arrives after the first `from` events. */
function after(
  p: CliProcess,
  from: number,
  pred: (e: CliEvent) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<CliEvent> {
  return p.waitForEvent((e) => pred(e) && p.events.indexOf(e) >= from, timeoutMs, what);
}

const stats = (pred: (s: CliEvent) => boolean) => (e: CliEvent) => e.event === 'media-stats' && pred(e);
const counterOf = (e: CliEvent): number => e.counter as number;

/** Runs ffmpeg and resolves with its exit code and stderr. */
function runFfmpeg(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(FFMPEG!, ['-hide_banner', ...args], { timeout: 30_000 }, (err, _out, stderr) =>
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stderr }),
    );
  });
}

/** The input streams ffmpeg finds in `file` (`ffmpeg -i file -f null -` decodes all of it). */
async function probe(file: string): Promise<{ code: number; streams: string[] }> {
  const r = await runFfmpeg(['-i', file, '-f', 'null', '-']);
  const input = r.stderr.split(/Stream mapping:|Output #0/)[0] ?? '';
  return { code: r.code, streams: input.split('\n').filter((l) => /^\s*Stream #0:\d+/.test(l)) };
}

describe.skipIf(!FFMPEG)('randchat --json with media', () => {
  const ff = FFMPEG ?? '';
  const stranger = (url: string, ...extra: string[]): CliProcess =>
    spawnCli(['--server', url, '--json', '--loopback', '--ffmpeg', ff, '--no-audio-out', ...extra]);

  async function pair(a: string[], b: string[]): Promise<{ A: CliProcess; B: CliProcess }> {
    const server = await spawnServer();
    const A = stranger(server.url, ...a);
    const B = stranger(server.url, ...b);
    await Promise.all([
      A.waitForEvent(is('connected'), 30_000, 'A connected'),
      B.waitForEvent(is('connected'), 30_000, 'B connected'),
    ]);
    return { A, B };
  }

  it('/video off stops the frames and tells the stranger; /video on brings them back; mute too', async () => {
    const media = ['--video', 'test', '--audio', 'tone'];
    const { A, B } = await pair(media, media);
    const live = await B.waitForEvent(
      stats((s) => (s.fps as number) > 5 && s.counter !== null),
      20_000,
      'B sees video',
    );

    let mark = B.events.length;
    A.writeLine('/video off');
    await after(B, mark, is('partner-media', { video: false, audio: true }), 'partner-media video:false');
    const stopped = await after(
      B,
      B.events.length,
      stats((s) => s.fps === 0),
      'no frames after /video off',
    );
    expect(counterOf(stopped)).toBeGreaterThanOrEqual(counterOf(live));
    expect(B.events.slice(mark).filter(is('freeze', { ended: false }))).toEqual([]); // paused, not frozen

    mark = B.events.length;
    A.writeLine(JSON.stringify({ cmd: 'video', on: true }));
    await after(B, mark, is('partner-media', { video: true }), 'partner-media video:true');
    const back = await after(
      B,
      mark,
      stats((s) => (s.fps as number) > 5 && counterOf(s) > counterOf(stopped)),
      'frames again after /video on',
    );
    expect(counterOf(back)).toBeGreaterThan(counterOf(stopped));

    mark = B.events.length;
    A.writeLine(JSON.stringify({ cmd: 'mute', muted: true }));
    await after(B, mark, is('partner-media', { video: true, audio: false }), 'partner-media audio:false');
    A.writeLine('/unmute');
    await after(B, mark, is('partner-media', { video: true, audio: true }), 'partner-media audio:true');

    mark = A.events.length;
    A.writeLine('/self');
    await after(A, mark, is('error', { code: 'ERR_BAD_COMMAND' }), '/self refused in --json');
    expect(A.nonJson).toEqual([]);
    expect(B.nonJson).toEqual([]);
  });

  it('--record writes a readable WebM and the stranger is told; --snapshot writes a PNG', async () => {
    const dir = tempDir();
    const png = path.join(dir, 'snap.png');
    const { A, B } = await pair(
      ['--video', 'none', '--audio', 'none', '--record', dir, '--snapshot', png],
      ['--video', 'test', '--audio', 'tone'],
    );
    await B.waitForEvent(is('partner-recording', { recording: true }), 15_000, 'the recording notice');
    await A.waitForEvent(
      stats((s) => (s.framesDecoded as number) >= 45),
      20_000,
      '1.5 s of video decoded',
    );
    await A.waitForEvent(
      stats((s) => s.toneHz !== null),
      20_000,
      'audio received',
    );
    A.endInput();
    expect(await A.waitForExit(15_000)).toBe(0);

    const files = readdirSync(dir).filter((f) => /^randchat-.*\.webm$/.test(f));
    expect(files).toHaveLength(1);
    const file = path.join(dir, files[0]!);
    expect(statSync(file).size).toBeGreaterThan(10_000);
    const { code, streams } = await probe(file);
    expect(code).toBe(0);
    expect(streams).toHaveLength(2);
    expect(streams.join('\n')).toMatch(/Video: vp8/);
    expect(streams.join('\n')).toMatch(/Audio: opus/);

    const bytes = readFileSync(png);
    expect(bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(
      true,
    );
    expect(bytes.toString('latin1', 12, 16)).toBe('IHDR');
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([320, 240]);
  });

  it('--codec h264 on both sides: the test pattern decodes with an increasing counter', async () => {
    const dir = tempDir();
    const media = ['--codec', 'h264', '--video', 'test', '--audio', 'none'];
    const { A, B } = await pair([...media, '--record', dir], media);
    const liveCounters = (): number[] =>
      A.events.filter(stats((s) => s.counter !== null && (s.fps as number) >= 5)).map(counterOf);
    await A.waitForEvent(
      () => liveCounters().length >= 3,
      30_000,
      'three media-stats with a decoded counter',
    );
    const counters = liveCounters();
    expect(counters.every((c, i) => i === 0 || c > counters[i - 1]!)).toBe(true);
    expect(B.events.filter(is('media-error'))).toEqual([]);
    A.endInput();
    expect(await A.waitForExit(15_000)).toBe(0);
    // What was on the wire: the recording copies it without re-encoding.
    const files = readdirSync(dir).filter((f) => f.endsWith('.mkv'));
    expect(files).toHaveLength(1);
    const { code, streams } = await probe(path.join(dir, files[0]!));
    expect(code).toBe(0);
    expect(streams.join('\n')).toMatch(/Video: h264/);
  });

  it('demo --json with media flags: the demo stranger sends the test pattern and a tone', async () => {
    const demo = spawnCli(['demo', '--json', '--video', 'test', '--audio', 'none', '--ffmpeg', ff]);
    await demo.waitForEvent(is('connected'), 30_000, 'the demo stranger');
    await demo.waitForEvent(is('partner-media', { video: true, audio: true }), 15_000, 'their media notice');
    // (the predicate runs over all events on every new line: read the counters from the list)
    const liveCounters = (): number[] =>
      demo.events.filter(stats((s) => s.counter !== null && (s.fps as number) >= 5)).map(counterOf);
    await demo.waitForEvent(() => liveCounters().length >= 2, 20_000, 'the test pattern with a live counter');
    const counters = liveCounters();
    expect(counters[1]).toBeGreaterThan(counters[0]!);
    const tone = await demo.waitForEvent(
      stats((s) => s.toneHz !== null),
      15_000,
      'the tone',
    );
    expect(Math.abs((tone.toneHz as number) - 440)).toBeLessThan(10);
    demo.endInput();
    expect(await demo.waitForExit(15_000)).toBe(0);
    expect(demo.nonJson).toEqual([]);
  });

  it('reports a black picture (black-frame) from a black clip', async () => {
    const clip = path.join(tempDir(), 'black.webm');
    const made = await runFfmpeg([
      '-f',
      'lavfi',
      '-i',
      'color=c=black:s=320x240:r=30',
      '-t',
      '1',
      '-c:v',
      'libvpx',
      '-y',
      clip,
    ]);
    expect(made.code).toBe(0);
    const { B } = await pair(
      ['--video', `file:${clip}`, '--audio', 'none'],
      ['--video', 'none', '--audio', 'none'],
    );
    await B.waitForEvent(is('black-frame', { black: true }), 20_000, 'black-frame {black:true}');
  });

  it('reports a frozen picture (frozen-picture) from a still source', async () => {
    const { B } = await pair(
      ['--video', 'test:smptebars=size=640x480:rate=30', '--audio', 'none'],
      ['--video', 'none', '--audio', 'none'],
    );
    await B.waitForEvent(
      stats((s) => (s.fps as number) > 5),
      20_000,
      'frames arriving',
    );
    await B.waitForEvent(is('frozen-picture', { frozen: true }), 20_000, 'frozen-picture {frozen:true}');
    expect(B.events.filter(is('black-frame', { black: true }))).toEqual([]);
  });
});
