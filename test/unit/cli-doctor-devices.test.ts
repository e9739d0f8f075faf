import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliDeps } from '../../src/cli/deps.js';
import { formatDeviceListing } from '../../src/cli/devices-command.js';
import { buildDoctorReport, formatDoctorReport, type DoctorReport } from '../../src/cli/doctor-command.js';
import { runCli } from '../../src/cli/program.js';
import { ExitCodes } from '../../src/errors.js';
import { capabilitiesFrom } from '../../src/media/ffmpeg/capabilities.js';
import { listDevices } from '../../src/media/ffmpeg/devices.js';
import type { FfmpegResolution } from '../../src/media/ffmpeg/resolve.js';
import { findFfmpeg, requireBinary } from '../helpers/require-binary.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/ffmpeg/${name}`, import.meta.url), 'utf8');
const caps51 = capabilitiesFrom({
  encoders: fixture('5.1-encoders.txt'),
  decoders: fixture('5.1-decoders.txt'),
  devices: fixture('5.1-devices.txt'),
});
const tried = [
  { source: 'flag' as const, ok: false, detail: 'not set' },
  { source: 'env' as const, ok: false, detail: 'not set' },
  { source: 'ffmpeg-static' as const, ok: false, detail: 'package not installed' },
  { source: '@ffmpeg-installer' as const, ok: false, detail: 'package not installed' },
  { source: 'path' as const, path: '/usr/bin/ffmpeg', ok: true, detail: 'version 5.1.9' },
];
const found: FfmpegResolution = {
  ok: true,
  path: '/usr/bin/ffmpeg',
  source: 'path',
  version: '5.1.9',
  tried,
  capabilities: caps51,
};

function deps(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const stream = () => Object.assign(new PassThrough(), { isTTY: false, columns: 100 });
  const d: Omit<CliDeps, 'setExitCode'> = {
    writeOut: (s) => void out.push(s),
    writeErr: (s) => void err.push(s),
    env,
    stdin: stream() as unknown as NodeJS.ReadStream,
    stdout: stream() as unknown as NodeJS.WriteStream,
    stderr: stream() as unknown as NodeJS.WriteStream,
    onSignal: () => () => undefined,
    version: '0.0.0',
  };
  return { d, out: () => out.join(''), err: () => err.join('') };
}

describe('doctor report', () => {
  it('found: every candidate, the choice, capabilities, and what randchat will do', () => {
    const text = formatDoctorReport(buildDoctorReport(found, 'linux'));
    expect(text).toBe(
      [
        'ffmpeg (searched in this order):',
        '   -  --ffmpeg           not set',
        '   -  RANDCHAT_FFMPEG    not set',
        '   -  ffmpeg-static      package not installed',
        '   -  @ffmpeg-installer  package not installed',
        '  ok  PATH               /usr/bin/ffmpeg: version 5.1.9',
        '  using /usr/bin/ffmpeg (5.1.9, from PATH)',
        '',
        'capabilities:',
        '  encoders   VP8 (libvpx) yes, H.264 (libx264) yes, Opus (libopus) yes',
        '  decoders   VP8 yes, H.264 yes, Opus yes',
        '  capture    v4l2 yes, pulse yes, alsa yes, lavfi (test pattern, tone) yes',
        '  playback   pulse yes, alsa yes',
        '',
        'randchat will:',
        '  video  on (VP8); webcam via v4l2; test pattern available',
        '  audio  on (Opus); microphone via pulse/alsa; speakers via pulse/alsa',
        '',
      ].join('\n'),
    );
  });

  it.each<[string, Partial<typeof caps51>, (r: DoctorReport) => void]>([
    [
      'no libvpx: falls back to H.264',
      { encoders: { ...caps51.encoders, libvpx: false } },
      (r) => expect(r.media.video).toMatchObject({ available: true, codec: 'H.264' }),
    ],
    [
      'no video encoder at all',
      { encoders: { libvpx: false, libx264: false, libopus: true } },
      (r) =>
        expect(r.media.video).toMatchObject({ available: false, summary: expect.stringMatching(/libvpx/) }),
    ],
    [
      'no libopus',
      { encoders: { ...caps51.encoders, libopus: false } },
      (r) => expect(r.media.audio).toMatchObject({ available: false }),
    ],
    [
      'no capture devices: media on, webcam and mic unavailable',
      { input: { ...caps51.input, v4l2: false, pulse: false, alsa: false } },
      (r) => {
        expect(r.media.video).toMatchObject({ available: true, capture: false });
        expect(r.media.audio).toMatchObject({ available: true, capture: false });
      },
    ],
  ])('%s', (_name, patch, check) => {
    check(buildDoctorReport({ ...found, capabilities: { ...caps51, ...patch } }, 'linux'));
  });

  it('not found: the message, and text chat only', () => {
    const r = buildDoctorReport(
      { ok: false, tried: tried.slice(0, 4), message: 'ffmpeg not found; …' },
      'darwin',
    );
    expect(r.media.video.available).toBe(false);
    const text = formatDoctorReport(r);
    expect(text).toContain('ffmpeg not found; …');
    expect(text).toContain('text chat works either way.');
  });

  it('randchat doctor --json with a wrong --ffmpeg: exit 0, one JSON object that says why', async () => {
    const t = deps();
    expect(await runCli(['doctor', '--json', '--ffmpeg', '/nonexistent/ffmpeg'], t.d)).toBe(ExitCodes.OK);
    const report = JSON.parse(t.out()) as DoctorReport;
    expect(report.ffmpeg.ok).toBe(false);
    expect(report.ffmpeg.tried).toEqual([
      { source: 'flag', path: '/nonexistent/ffmpeg', ok: false, detail: 'does not exist' },
    ]);
    expect(report.media.video.available).toBe(false);
    expect(t.out().trim().split('\n')).toHaveLength(1);
  });
});

const real = await findFfmpeg();
describe.skipIf(requireBinary('ffmpeg', real !== undefined))('doctor with a real ffmpeg', () => {
  it('RANDCHAT_FFMPEG from the injected env is reported as env', async () => {
    const t = deps({ RANDCHAT_FFMPEG: real });
    expect(await runCli(['doctor', '--json'], t.d)).toBe(ExitCodes.OK);
    const report = JSON.parse(t.out()) as DoctorReport;
    expect(report.ffmpeg).toMatchObject({ ok: true, source: 'env', path: real });
    expect(report.capabilities?.decoders.vp8).toBe(true);
  });
});

describe('devices', () => {
  it('darwin and win32 listings come from ffmpeg', async () => {
    const avf = `[AVFoundation indev @ 0x1] AVFoundation video devices:\n[AVFoundation indev @ 0x1] [0] FaceTime HD Camera\n[AVFoundation indev @ 0x1] AVFoundation audio devices:\n[AVFoundation indev @ 0x1] [0] MacBook Pro Microphone\n`;
    const calls: string[][] = [];
    const l = await listDevices({
      platform: 'darwin',
      ffmpegPath: '/opt/ffmpeg',
      run: async (bin, args) => {
        calls.push([bin, ...args]);
        return { code: 1, output: avf };
      },
    });
    expect(calls).toEqual([
      ['/opt/ffmpeg', '-hide_banner', '-f', 'avfoundation', '-list_devices', 'true', '-i', ''],
    ]);
    expect(formatDeviceListing(l, { path: '/opt/ffmpeg' })).toBe(
      [
        'cameras:',
        '  webcam:0  FaceTime HD Camera',
        '',
        'microphones:',
        '  mic:0  MacBook Pro Microphone',
        '',
      ].join('\n'),
    );
    const w = await listDevices({ platform: 'win32' });
    expect(w).toEqual({
      platform: 'win32',
      video: [],
      audio: [],
      notes: ['ffmpeg not found: cannot list devices'],
    });
  });

  it('linux: /dev/video* named from sysfs, kept only when ffmpeg lists formats', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'randchat-devices-'));
    try {
      const dev = path.join(root, 'dev');
      const sys = path.join(root, 'sys');
      await mkdir(dev);
      for (const n of ['video0', 'video1', 'null']) await writeFile(path.join(dev, n), '');
      await mkdir(path.join(sys, 'video0'), { recursive: true });
      await writeFile(path.join(sys, 'video0', 'name'), 'Integrated Camera: Integrated C\n');
      const l = await listDevices({
        platform: 'linux',
        ffmpegPath: '/usr/bin/ffmpeg',
        devDir: dev,
        sysDir: sys,
        env: { PATH: '' },
        run: async (_bin, args) => ({
          code: 1,
          output: args.includes(path.join(dev, 'video0'))
            ? '[video4linux2,v4l2 @ 0x1] Raw       :     yuyv422 :  YUYV 4:2:2 : 640x480 1280x720\n'
            : '/dev/video1: Inappropriate ioctl for device\n',
        }),
      });
      expect(l.video).toEqual([
        {
          kind: 'video',
          id: path.join(dev, 'video0'),
          name: 'Integrated Camera: Integrated C',
          backend: 'v4l2',
          detail: 'yuyv422 640x480…1280x720',
        },
      ]);
      expect(l.audio).toEqual([]);
      expect(l.notes).toEqual([
        `${path.join(dev, 'video1')} (video1) lists no capture formats (metadata node or busy); skipped`,
        'pactl not found (PulseAudio/PipeWire)',
        'arecord not found (ALSA utilities): no microphones listed',
      ]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('randchat devices --json: exit 0 and one JSON object', async () => {
    const t = deps({ PATH: process.env.PATH });
    expect(await runCli(['devices', '--json'], t.d)).toBe(ExitCodes.OK);
    const l = JSON.parse(t.out()) as {
      platform: string;
      video: unknown[];
      audio: unknown[];
      notes: string[];
    };
    expect(Array.isArray(l.video) && Array.isArray(l.audio)).toBe(true);
  });
});
