/**
 * Listing cameras and microphones, per platform (the I/O half; parsing is in ./device-parsers.ts).
 * - linux: `/dev/video*`, named from /sys/class/video4linux, kept when ffmpeg lists capture
 *   formats for them (`-f v4l2 -list_formats all`; metadata nodes have none); microphones from
 *   `pactl list short sources` (PulseAudio/PipeWire) if present, else ALSA `arecord -l`.
 * - darwin: `ffmpeg -f avfoundation -list_devices true -i ""`.
 * - win32: `ffmpeg -list_devices true -f dshow -i dummy`.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import {
  parseArecordList,
  parseAvfoundationDevices,
  parseDshowDevices,
  parsePactlSources,
  parseV4l2Formats,
  summarizeV4l2Formats,
  type MediaDevice,
} from './device-parsers.js';
import { whichOnPath } from './resolve.js';
import type { MediaPlatform } from './sources.js';

export interface DeviceListing {
  platform: MediaPlatform;
  video: MediaDevice[];
  audio: MediaDevice[];
  /** What was looked at and what was missing ("pactl not found, used arecord"). */
  notes: string[];
}

export interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a tool and captures stdout + stderr whatever its exit code; undefined if it cannot start. */
export type ToolRunner = (bin: string, args: string[]) => Promise<RunResult | undefined>;

export interface ListDevicesOptions {
  /** A resolved ffmpeg; without it cameras are listed by name only (linux) or not at all. */
  ffmpegPath?: string | undefined;
  platform?: MediaPlatform;
  env?: NodeJS.ProcessEnv;
  run?: ToolRunner;
  /** Where to look for video nodes (default /dev) and their names (default /sys/class/video4linux). */
  devDir?: string;
  sysDir?: string;
}

export async function listDevices(opts: ListDevicesOptions = {}): Promise<DeviceListing> {
  const platform = opts.platform ?? currentPlatform();
  const run = opts.run ?? runTool;
  const notes: string[] = [];
  const ffmpeg = opts.ffmpegPath;
  if (platform === 'darwin' || platform === 'win32') {
    if (!ffmpeg) return { platform, video: [], audio: [], notes: ['ffmpeg not found: cannot list devices'] };
    const args =
      platform === 'darwin'
        ? ['-hide_banner', '-f', 'avfoundation', '-list_devices', 'true', '-i', '']
        : ['-hide_banner', '-list_devices', 'true', '-f', 'dshow', '-i', 'dummy'];
    const r = await run(ffmpeg, args);
    const all = r
      ? platform === 'darwin'
        ? parseAvfoundationDevices(r.output)
        : parseDshowDevices(r.output)
      : [];
    if (!r) notes.push('ffmpeg could not be run');
    return {
      platform,
      video: all.filter((d) => d.kind === 'video'),
      audio: all.filter((d) => d.kind === 'audio'),
      notes,
    };
  }
  const audioNotes: string[] = []; // separate, so notes come out in a stable order
  const [video, audio] = await Promise.all([
    linuxCameras(ffmpeg, run, notes, opts.devDir ?? '/dev', opts.sysDir ?? '/sys/class/video4linux'),
    linuxMicrophones(run, audioNotes, opts.env ?? process.env),
  ]);
  return { platform, video, audio, notes: [...notes, ...audioNotes] };
}

async function linuxCameras(
  ffmpeg: string | undefined,
  run: ToolRunner,
  notes: string[],
  devDir: string,
  sysDir: string,
): Promise<MediaDevice[]> {
  const nodes = await videoNodes(devDir);
  if (nodes.length === 0) {
    notes.push(`no ${devDir}/video* devices`);
    return [];
  }
  if (!ffmpeg) notes.push('ffmpeg not found: cameras listed without checking they capture');
  const out: MediaDevice[] = [];
  for (const node of nodes) {
    const path = `${devDir}/${node}`;
    const name = (await readFile(`${sysDir}/${node}/name`, 'utf8').catch(() => '')).trim() || node;
    if (!ffmpeg) {
      out.push({ kind: 'video', id: path, name, backend: 'v4l2' });
      continue;
    }
    const r = await run(ffmpeg, ['-hide_banner', '-f', 'v4l2', '-list_formats', 'all', '-i', path]);
    const formats = r ? parseV4l2Formats(r.output) : [];
    if (formats.length === 0) {
      notes.push(`${path} (${name}) lists no capture formats (metadata node or busy); skipped`);
      continue;
    }
    out.push({ kind: 'video', id: path, name, backend: 'v4l2', detail: summarizeV4l2Formats(formats) });
  }
  return out;
}

async function linuxMicrophones(
  run: ToolRunner,
  notes: string[],
  env: NodeJS.ProcessEnv,
): Promise<MediaDevice[]> {
  const pactl = await whichOnPath('pactl', env, 'linux');
  if (pactl) {
    const r = await run(pactl, ['list', 'short', 'sources']);
    if (r && r.code === 0) return parsePactlSources(r.output);
    notes.push('pactl found but no PulseAudio/PipeWire server answered');
  } else {
    notes.push('pactl not found (PulseAudio/PipeWire)');
  }
  const arecord = await whichOnPath('arecord', env, 'linux');
  if (!arecord) {
    notes.push('arecord not found (ALSA utilities): no microphones listed');
    return [];
  }
  const r = await run(arecord, ['-l']);
  return r ? parseArecordList(r.output) : [];
}

/** `video0`, `video1`, … in `devDir`, in numeric order ([] when none or unreadable). */
async function videoNodes(devDir: string): Promise<string[]> {
  try {
    return (await readdir(devDir))
      .filter((n) => /^video\d+$/.test(n))
      .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  } catch {
    return [];
  }
}

/** Whether there is a camera and a microphone at all (the UI's defaults). */
export interface DevicePresence {
  camera: boolean;
  microphone: boolean;
}

/**
 * A cheap presence check, for choosing the UI's defaults before a chat: on Linux a `/dev/video*`
 * node and a PulseAudio/PipeWire (else ALSA) capture source, without opening any device or
 * running ffmpeg per camera; on macOS and Windows ffmpeg's device list (one run).
 */
export async function probeDevices(opts: ListDevicesOptions = {}): Promise<DevicePresence> {
  const platform = opts.platform ?? currentPlatform();
  if (platform !== 'linux') {
    const l = await listDevices(opts);
    return { camera: l.video.length > 0, microphone: l.audio.length > 0 };
  }
  const [nodes, mics] = await Promise.all([
    videoNodes(opts.devDir ?? '/dev'),
    linuxMicrophones(opts.run ?? runTool, [], opts.env ?? process.env),
  ]);
  return { camera: nodes.length > 0, microphone: mics.length > 0 };
}

/** process.platform narrowed to the three randchat knows; other Unixes are treated as linux. */
export function currentPlatform(): MediaPlatform {
  return process.platform === 'darwin' || process.platform === 'win32' ? process.platform : 'linux';
}

const runTool: ToolRunner = (bin, args) =>
  new Promise((resolve) => {
    execFile(
      bin,
      args,
      { timeout: 10_000, maxBuffer: 4 * 1024 * 1024, windowsHide: true, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err && typeof (err as { code?: unknown }).code === 'string') return resolve(undefined); // ENOENT…
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, output: stdout + stderr });
      },
    );
  });
