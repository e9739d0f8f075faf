import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  decideSources,
  needsDeviceCheck,
  NO_CAMERA_NOTICE,
  NO_MICROPHONE_NOTICE,
  resolveMediaFlags,
  type MediaFlags,
} from '../../src/cli/media-options.js';
import { probeDevices, type DevicePresence } from '../../src/media/ffmpeg/devices.js';

const both: DevicePresence = { camera: true, microphone: true };
const none: DevicePresence = { camera: false, microphone: false };
const camOnly: DevicePresence = { camera: true, microphone: false };
const micOnly: DevicePresence = { camera: false, microphone: true };
const W = { kind: 'webcam' } as const;
const M = { kind: 'mic' } as const;
const N = { kind: 'none' } as const;
const T = { kind: 'test' } as const;
const TONE = { kind: 'tone' } as const;

describe('decideSources', () => {
  it.each<[string, MediaFlags, boolean, DevicePresence | null, object, object, string[]]>([
    ['UI, camera and mic', {}, false, both, W, M, []],
    [
      'UI, no devices: nothing sent, said plainly',
      {},
      false,
      none,
      N,
      N,
      [NO_CAMERA_NOTICE, NO_MICROPHONE_NOTICE],
    ],
    ['UI, camera only', {}, false, camOnly, W, N, [NO_MICROPHONE_NOTICE]],
    ['UI, microphone only', {}, false, micOnly, N, M, [NO_CAMERA_NOTICE]],
    ['UI, not looked up counts as missing', {}, false, null, N, N, [NO_CAMERA_NOTICE, NO_MICROPHONE_NOTICE]],
    ['UI, flags win over missing devices', { video: T, audio: TONE }, false, none, T, TONE, []],
    [
      'UI, explicit webcam is kept (the capture reports failure)',
      { video: W },
      false,
      none,
      W,
      N,
      [NO_MICROPHONE_NOTICE],
    ],
    ['UI, explicit none', { video: N, audio: N }, false, both, N, N, []],
    ['--json defaults to none, no notice', {}, true, none, N, N, []],
    ['--json with flags', { video: T }, true, null, T, N, []],
  ])('%s', (_what, flags, json, devices, video, audio, notice) => {
    expect(decideSources(flags, { json, devices })).toEqual({ video, audio, notice });
  });

  it.each<[MediaFlags, boolean, boolean]>([
    [{}, false, true],
    [{ video: T }, false, true],
    [{ audio: TONE }, false, true],
    [{ video: T, audio: N }, false, false],
    [{}, true, false],
  ])('needsDeviceCheck(%j, json=%s) = %s', (flags, json, expected) => {
    expect(needsDeviceCheck(flags, json)).toBe(expected);
  });
});

describe('resolveMediaFlags', () => {
  const env = {};
  it('looks for devices only when a default needs them', async () => {
    let asked = 0;
    const devices = async (): Promise<DevicePresence> => (asked++, none);
    const a = await resolveMediaFlags({ video: T, audio: TONE }, { json: false, env, devices });
    expect(asked).toBe(0);
    expect(a.media).toMatchObject({ video: T, audio: TONE, audioOut: true });
    const b = await resolveMediaFlags({}, { json: false, env, devices });
    expect(asked).toBe(1);
    expect(b.media).toMatchObject({ video: N, audio: N });
    expect(b.notice).toEqual([NO_CAMERA_NOTICE, NO_MICROPHONE_NOTICE]);
  });

  it('keeps --json text-only without media flags, and never plays audio', async () => {
    const devices = async (): Promise<DevicePresence> => both;
    expect((await resolveMediaFlags({}, { json: true, env, devices })).media).toBeUndefined();
    const r = await resolveMediaFlags({ video: T, codec: 'h264' }, { json: true, env, devices });
    expect(r.media).toMatchObject({ video: T, audio: N, codec: 'h264', audioOut: false });
  });
});

describe('probeDevices (linux)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const tmp = (): string => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'randchat-devices-'));
    dirs.push(d);
    return d;
  };
  /** A PATH holding an executable stub named `name` (the runner is faked; it only has to exist). */
  const pathWith = (name: string): string => {
    const bin = tmp();
    writeFileSync(path.join(bin, name), '#!/bin/sh\n');
    chmodSync(path.join(bin, name), 0o755);
    return bin;
  };

  it('finds no camera without /dev/video* and no microphone without pactl or arecord', async () => {
    const devDir = tmp();
    const r = await probeDevices({
      platform: 'linux',
      devDir,
      env: { PATH: tmp() },
      run: async () => ({ code: 0, output: '' }),
    });
    expect(r).toEqual({ camera: false, microphone: false });
  });

  it('counts a /dev/video node as a camera and a non-monitor pactl source as a microphone, without running ffmpeg', async () => {
    const devDir = tmp();
    mkdirSync(path.join(devDir, 'video0'));
    const ran: string[] = [];
    const r = await probeDevices({
      platform: 'linux',
      devDir,
      env: { PATH: pathWith('pactl') },
      run: async (bin, args) => {
        ran.push(`${path.basename(bin)} ${args.join(' ')}`);
        return {
          code: 0,
          output:
            '1\talsa_output.pci.monitor\tmodule-alsa-card.c\ts16le 2ch 44100Hz\tSUSPENDED\n' +
            '2\talsa_input.usb-mic\tmodule-alsa-card.c\ts16le 1ch 48000Hz\tSUSPENDED\n',
        };
      },
    });
    expect(r).toEqual({ camera: true, microphone: true });
    expect(ran).toEqual(['pactl list short sources']);
  });

  it('does not count a monitor source as a microphone', async () => {
    const r = await probeDevices({
      platform: 'linux',
      devDir: tmp(),
      env: { PATH: pathWith('pactl') },
      run: async () => ({ code: 0, output: '1\talsa_output.pci.monitor\tm\ts16le 2ch 44100Hz\tIDLE\n' }),
    });
    expect(r.microphone).toBe(false);
  });
});
