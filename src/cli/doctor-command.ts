/**
 * `randchat doctor`: which ffmpeg randchat would use (every candidate tried, in order, and what
 * happened), its version and capabilities, and what that means: video and/or audio, or text only.
 * `--json` prints one JSON object instead.
 *
 * Exit code: 0 whether or not ffmpeg was found. A missing ffmpeg is not a failure of the
 * doctor, and randchat itself still works (text only); the report says so, and scripts read
 * `ffmpeg.ok` / `media.video.available` from `--json`. 1 only for an unexpected error.
 */
import { ExitCodes, type ExitCode } from '../errors.js';
import type { FfmpegCapabilities } from '../media/ffmpeg/capabilities.js';
import type { FfmpegAttempt, FfmpegResolution, FfmpegSource } from '../media/ffmpeg/resolve.js';
import type { MediaPlatform } from '../media/ffmpeg/sources.js';
import type { CliDeps } from './deps.js';

export interface DoctorFlags {
  ffmpeg?: string;
  json?: boolean;
}

export interface MediaVerdict {
  available: boolean;
  /** Codec randchat will use, when available. */
  codec?: string;
  /** Capture from a device (webcam / microphone) is possible. */
  capture: boolean;
  /** Playback on the speakers is possible (audio only). */
  playback?: boolean;
  /** One line: why, or what works. */
  summary: string;
}

export interface DoctorReport {
  platform: MediaPlatform;
  ffmpeg:
    | { ok: true; path: string; source: FfmpegSource; version: string; tried: FfmpegAttempt[] }
    | { ok: false; message: string; tried: FfmpegAttempt[] };
  capabilities?: FfmpegCapabilities;
  media: { video: MediaVerdict; audio: MediaVerdict };
}

const SOURCE_LABEL: Record<FfmpegSource, string> = {
  flag: '--ffmpeg',
  env: 'RANDCHAT_FFMPEG',
  'ffmpeg-static': 'ffmpeg-static',
  '@ffmpeg-installer': '@ffmpeg-installer',
  path: 'PATH',
};

/** Pure: a resolution (with capabilities) → the report. */
export function buildDoctorReport(resolution: FfmpegResolution, platform: MediaPlatform): DoctorReport {
  if (!resolution.ok) {
    const off = (what: string): MediaVerdict => ({
      available: false,
      capture: false,
      summary: `off: no ffmpeg (${what})`,
    });
    return {
      platform,
      ffmpeg: { ok: false, message: resolution.message, tried: resolution.tried },
      media: { video: off('text chat only'), audio: off('text chat only') },
    };
  }
  const caps = resolution.capabilities;
  const report: DoctorReport = {
    platform,
    ffmpeg: {
      ok: true,
      path: resolution.path,
      source: resolution.source,
      version: resolution.version,
      tried: resolution.tried,
    },
    media: caps ? mediaVerdict(caps, platform) : unknownMedia(),
  };
  if (caps) report.capabilities = caps;
  return report;
}

function unknownMedia(): DoctorReport['media'] {
  const u: MediaVerdict = { available: false, capture: false, summary: 'unknown: capabilities not probed' };
  return { video: u, audio: u };
}

const CAMERA: Record<MediaPlatform, 'v4l2' | 'avfoundation' | 'dshow'> = {
  linux: 'v4l2',
  darwin: 'avfoundation',
  win32: 'dshow',
};

function mediaVerdict(c: FfmpegCapabilities, platform: MediaPlatform): DoctorReport['media'] {
  const codec =
    c.encoders.libvpx && c.decoders.vp8 ? 'VP8' : c.encoders.libx264 && c.decoders.h264 ? 'H.264' : undefined;
  const camera = c.input[CAMERA[platform]];
  const video: MediaVerdict = codec
    ? {
        available: true,
        codec,
        capture: camera,
        summary: `on (${codec}); webcam ${camera ? `via ${CAMERA[platform]}` : `unavailable (this ffmpeg has no ${CAMERA[platform]})`}${c.input.lavfi ? '; test pattern available' : ''}`,
      }
    : {
        available: false,
        capture: false,
        summary: 'off: this ffmpeg has neither libvpx (VP8) nor libx264 (H.264)',
      };

  const micBackends =
    platform === 'linux'
      ? (['pulse', 'alsa'] as const).filter((b) => c.input[b])
      : c.input[CAMERA[platform]]
        ? [CAMERA[platform]]
        : [];
  const speakerBackends =
    platform === 'linux'
      ? (['pulse', 'alsa'] as const).filter((b) => c.output[b])
      : platform === 'darwin' && c.output.audiotoolbox
        ? ['audiotoolbox']
        : [];
  const opus = c.encoders.libopus && c.decoders.opus;
  const audio: MediaVerdict = opus
    ? {
        available: true,
        codec: 'Opus',
        capture: micBackends.length > 0,
        playback: speakerBackends.length > 0,
        summary: `on (Opus); microphone ${micBackends.length > 0 ? `via ${micBackends.join('/')}` : 'unavailable'}; speakers ${speakerBackends.length > 0 ? `via ${speakerBackends.join('/')}` : 'unavailable'}`,
      }
    : { available: false, capture: false, summary: 'off: this ffmpeg has no libopus (Opus)' };
  return { video, audio };
}

/** Pure: the human-readable report. */
export function formatDoctorReport(r: DoctorReport): string {
  const lines: string[] = ['ffmpeg (searched in this order):'];
  const width = Math.max(...r.ffmpeg.tried.map((t) => SOURCE_LABEL[t.source].length));
  for (const t of r.ffmpeg.tried) {
    const where = t.path ? `${t.path}: ` : '';
    lines.push(`  ${t.ok ? 'ok  ' : ' -  '}${SOURCE_LABEL[t.source].padEnd(width)}  ${where}${t.detail}`);
  }
  if (r.ffmpeg.ok) {
    lines.push(`  using ${r.ffmpeg.path} (${r.ffmpeg.version}, from ${SOURCE_LABEL[r.ffmpeg.source]})`);
  } else {
    lines.push('', r.ffmpeg.message);
  }
  const c = r.capabilities;
  if (c) {
    const yn = (b: boolean): string => (b ? 'yes' : 'no');
    lines.push(
      '',
      'capabilities:',
      `  encoders   VP8 (libvpx) ${yn(c.encoders.libvpx)}, H.264 (libx264) ${yn(c.encoders.libx264)}, Opus (libopus) ${yn(c.encoders.libopus)}`,
      `  decoders   VP8 ${yn(c.decoders.vp8)}, H.264 ${yn(c.decoders.h264)}, Opus ${yn(c.decoders.opus)}`,
      `  capture    ${captureLine(c, r.platform)}`,
      `  playback   ${playbackLine(c, r.platform)}`,
    );
  }
  lines.push('', 'randchat will:', `  video  ${r.media.video.summary}`, `  audio  ${r.media.audio.summary}`);
  if (!r.media.video.available && !r.media.audio.available) lines.push('  text chat works either way.');
  return lines.join('\n') + '\n';
}

function captureLine(c: FfmpegCapabilities, platform: MediaPlatform): string {
  const yn = (b: boolean): string => (b ? 'yes' : 'no');
  const devices =
    platform === 'linux'
      ? `v4l2 ${yn(c.input.v4l2)}, pulse ${yn(c.input.pulse)}, alsa ${yn(c.input.alsa)}`
      : platform === 'darwin'
        ? `avfoundation ${yn(c.input.avfoundation)}`
        : `dshow ${yn(c.input.dshow)}`;
  return `${devices}, lavfi (test pattern, tone) ${yn(c.input.lavfi)}`;
}

function playbackLine(c: FfmpegCapabilities, platform: MediaPlatform): string {
  const yn = (b: boolean): string => (b ? 'yes' : 'no');
  if (platform === 'linux') return `pulse ${yn(c.output.pulse)}, alsa ${yn(c.output.alsa)}`;
  if (platform === 'darwin') return `audiotoolbox ${yn(c.output.audiotoolbox)}`;
  return 'none in ffmpeg on Windows';
}

export async function runDoctor(flags: DoctorFlags, deps: CliDeps): Promise<ExitCode> {
  const { resolveFfmpeg } = await import('../media/ffmpeg/resolve.js');
  const { currentPlatform } = await import('../media/ffmpeg/devices.js');
  const platform = currentPlatform();
  let resolution: FfmpegResolution;
  try {
    resolution = await resolveFfmpeg({ flag: flags.ffmpeg, env: deps.env, probe: true, platform });
  } catch (err) {
    deps.writeErr(`randchat doctor: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCodes.FAILURE;
  }
  const report = buildDoctorReport(resolution, platform);
  deps.writeOut(flags.json ? JSON.stringify(report) + '\n' : formatDoctorReport(report));
  return ExitCodes.OK;
}
