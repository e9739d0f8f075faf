/**
 * Pure ffmpeg argument builders the pipeline needs beyond ../ffmpeg/args.ts: raw frames in (a
 * camera or file captured to raw yuv420p, test-pattern frames generated in Node) so the encoder
 * can be restarted for a keyframe without reopening the camera; raw PCM to the speakers; one
 * rgb24 frame to PNG.
 */
import {
  globalArgs,
  rtpOutputArgs,
  videoEncodeArgs,
  type RtpTarget,
  type VideoCodec,
} from '../ffmpeg/args-send.js';
import { videoInputArgs, type MediaPlatform, type VideoSource } from '../ffmpeg/sources.js';

export interface RawVideoFormat {
  width: number;
  height: number;
  fps: number;
}

/** Camera, file or lavfi test source → raw yuv420p frames of exactly width × height on stdout. */
export function buildCaptureArgs(
  source: Exclude<VideoSource, { kind: 'none' }>,
  f: RawVideoFormat & { platform: MediaPlatform },
): string[] {
  return [
    ...globalArgs('error'),
    ...videoInputArgs(source, f),
    '-map',
    '0:v:0',
    '-an',
    '-vf',
    `scale=${f.width}:${f.height},fps=${f.fps}`,
    '-pix_fmt',
    'yuv420p',
    '-f',
    'rawvideo',
    '-flush_packets',
    '1',
    'pipe:1',
  ];
}

/** libvpx `-cpu-used` for VP8 in realtime mode: negative = a fixed speed (-16 fastest), positive = adaptive. */
export const VP8_SPEED = -8;

export interface EncodeFromPipeOptions extends RawVideoFormat {
  codec: VideoCodec;
  bitrate: number;
  /** Keyframe interval in frames. */
  gop: number;
  rtp: RtpTarget;
}

/** Raw yuv420p frames on stdin → encoded video RTP (low-latency settings from args-send). */
export function buildEncodeFromPipeArgs(o: EncodeFromPipeOptions): string[] {
  const encode = videoEncodeArgs(o);
  // The frames already have the right size and rate: drop the scale/fps filter (the fps filter
  // holds each frame until the next one arrives, one frame of latency).
  const vf = encode.indexOf('-vf');
  if (vf >= 0) encode.splice(vf, 2);
  // Measured with live 640x480@30 input (bench/media.mjs): Debian's ffmpeg 5.1 + libvpx spends
  // 17-37 % of a core with its default threads and an adaptive speed, 5 % with one thread at a
  // fixed speed; the static ffmpeg 4.1 build ~6 % either way. One frame at a time needs no threads.
  const speed = encode.indexOf('-cpu-used');
  if (speed >= 0) encode[speed + 1] = String(VP8_SPEED);
  encode.push('-threads', '1');
  return [
    ...globalArgs('error', { stdin: true }),
    '-f',
    'rawvideo',
    '-pix_fmt',
    'yuv420p',
    '-s',
    `${o.width}x${o.height}`,
    '-r',
    String(o.fps),
    '-i',
    'pipe:0',
    ...encode,
    ...rtpOutputArgs(o.rtp, false),
  ];
}

/** s16le mono 48 kHz PCM on stdin → the default audio output. */
export function buildPlayPcmArgs(platform: MediaPlatform): string[] {
  const input = ['-f', 's16le', '-ar', '48000', '-ac', '1', '-i', 'pipe:0'];
  const head = [...globalArgs('error', { stdin: true }), ...input];
  switch (platform) {
    case 'linux':
      return [...head, '-f', 'pulse', 'randchat'];
    case 'darwin':
      return [...head, '-f', 'audiotoolbox', '-'];
    case 'win32':
      throw new RangeError('no ffmpeg speaker output on Windows');
  }
}

/** One rgb24 frame on stdin → a PNG file. */
export function buildSnapshotArgs(width: number, height: number, path: string): string[] {
  return [
    ...globalArgs('error', { stdin: true }),
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-s',
    `${width}x${height}`,
    '-i',
    'pipe:0',
    '-frames:v',
    '1',
    '-y',
    path,
  ];
}

/**
 * Adds `-threads 1` as an output option (before the last argument, the output). ffmpeg 5.1 holds
 * one frame back in its frame-threaded rawvideo output: 35 ms of latency at 30 fps (measured;
 * 4.1 does not). ../ffmpeg's receive builders lack it.
 */
export function withOutputThreads1(args: string[]): string[] {
  return [...args.slice(0, -1), '-threads', '1', ...args.slice(-1)];
}
