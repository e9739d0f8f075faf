/**
 * Pure ffmpeg arguments for the receiving side: RTP on loopback ports, described by an SDP
 * (see ./sdp.ts, read from a file or from stdin), decoded to raw frames on stdout, played on the
 * speakers, or recorded to a file.
 *
 * Latency flags on the input, measured with ffmpeg 5.1 and 4.1 (VP8 and H.264 over loopback):
 * `-flags low_delay` (no decoder frame hold-back), `-probesize 32 -analyzeduration 0` (start on
 * the first packets; the SDP names the codec: first frame ~70-500 ms after the sender starts),
 * `-reorder_queue_size 0` (loopback does not reorder), `-threads 1` (frame-threaded decoding
 * holds one frame per extra thread). Not `-fflags nobuffer`: with it ffmpeg 5.1 lost VP8 data
 * ("Invalid data found when processing input") and delivered a quarter of the frames.
 * On the output: `-vsync passthrough` (required: with probing off ffmpeg guesses 90000 fps and
 * constant-frame-rate mode duplicated frames by the thousand; `-fps_mode` is the 5.1+ spelling,
 * see {@link FpsModeFlag}) and `-flush_packets 1` (every frame reaches the pipe at once instead of
 * filling a 32 KiB buffer).
 */
import { globalArgs } from './args-send.js';
import type { MediaPlatform } from './sources.js';

/** How this ffmpeg spells "pass frames through": `-vsync` (all builds; deprecated in 5.1+) or `-fps_mode` (5.1+). */
export type FpsModeFlag = 'vsync' | 'fps_mode';

/** Where the SDP comes from: a file path, or `stdin` (write it, then end stdin). */
export type SdpInput = { file: string } | 'stdin';

export interface SdpInputOptions {
  sdp: SdpInput;
  /** Bind the RTP/RTCP sockets to this address (`-localaddr`, ffmpeg ≥ 5 only; see capabilities.sdpLocalAddr). */
  localAddr?: string;
}

/** Everything up to and including `-i` for an SDP-described RTP input. */
export function sdpInputArgs(o: SdpInputOptions): string[] {
  return [
    '-protocol_whitelist',
    'file,pipe,udp,rtp',
    '-flags',
    'low_delay',
    '-probesize',
    '32',
    '-analyzeduration',
    '0',
    '-reorder_queue_size',
    '0',
    '-threads',
    '1',
    ...(o.localAddr ? ['-localaddr', o.localAddr] : []),
    '-f',
    'sdp',
    '-i',
    o.sdp === 'stdin' ? 'pipe:0' : o.sdp.file,
  ];
}

export interface ReceiveVideoOptions extends SdpInputOptions {
  /** Output frame size (the renderer's cell grid × its pixels per cell). */
  width: number;
  height: number;
  /** Default rgb24 (3 bytes per pixel, width × height × 3 bytes per frame). */
  pixFmt?: 'rgb24' | 'rgba' | 'gray';
  /** ffmpeg scaler (default fast_bilinear: cheap, and terminal cells hide its artefacts). */
  scaler?: 'fast_bilinear' | 'bilinear' | 'bicubic' | 'area' | 'neighbor';
  /** Default 'vsync' (works with every build; use capabilities.options.fpsMode to pick 'fps_mode'). */
  fpsModeFlag?: FpsModeFlag;
  logLevel?: string;
}

/** RTP video → raw frames of exactly width × height on stdout (`pipe:1`). */
export function buildReceiveVideoArgs(o: ReceiveVideoOptions): string[] {
  if (!Number.isInteger(o.width) || !Number.isInteger(o.height) || o.width < 1 || o.height < 1)
    throw new RangeError(`bad frame size ${o.width}x${o.height}`);
  return [
    ...globalArgs(o.logLevel, { stdin: o.sdp === 'stdin' }),
    ...sdpInputArgs(o),
    '-map',
    '0:v:0',
    '-an',
    '-sn',
    '-dn',
    '-vf',
    `scale=${o.width}:${o.height}:flags=${o.scaler ?? 'fast_bilinear'}`,
    '-pix_fmt',
    o.pixFmt ?? 'rgb24',
    `-${o.fpsModeFlag ?? 'vsync'}`,
    'passthrough',
    '-f',
    'rawvideo',
    '-flush_packets',
    '1',
    'pipe:1',
  ];
}

/** Where received audio goes. */
export type AudioSink =
  /** The default output device: linux pulse (or alsa), macOS audiotoolbox. Not on Windows. */
  | { kind: 'speaker'; backend?: 'pulse' | 'alsa'; device?: string }
  /** Signed 16-bit little-endian PCM on stdout (levels, tests, an external player). */
  | { kind: 'pcm'; sampleRate?: number; channels?: 1 | 2 };

export interface ReceiveAudioOptions extends SdpInputOptions {
  platform: MediaPlatform;
  sink: AudioSink;
  logLevel?: string;
}

/** RTP Opus → speakers or raw PCM on stdout. */
export function buildReceiveAudioArgs(o: ReceiveAudioOptions): string[] {
  const head = [
    ...globalArgs(o.logLevel, { stdin: o.sdp === 'stdin' }),
    ...sdpInputArgs(o),
    '-map',
    '0:a:0',
    '-vn',
    '-sn',
    '-dn',
  ];
  if (o.sink.kind === 'pcm') {
    return [
      ...head,
      '-ar',
      String(o.sink.sampleRate ?? 48_000),
      '-ac',
      String(o.sink.channels ?? 1),
      '-f',
      's16le',
      '-flush_packets',
      '1',
      'pipe:1',
    ];
  }
  switch (o.platform) {
    case 'linux': {
      const backend = o.sink.backend ?? 'pulse';
      // pulse: the "file name" is the stream name shown in the mixer; alsa: the device.
      return backend === 'pulse'
        ? [...head, '-f', 'pulse', ...(o.sink.device ? ['-device', o.sink.device] : []), 'randchat']
        : [...head, '-f', 'alsa', o.sink.device ?? 'default'];
    }
    case 'darwin':
      return [...head, '-f', 'audiotoolbox', '-audio_device_index', o.sink.device ?? '0', '-'];
    case 'win32':
      throw new RangeError('no ffmpeg speaker output on Windows; use the pcm sink');
  }
}

export interface RecordOptions extends SdpInputOptions {
  /** Output file (.webm for VP8/Opus; use .mkv for H.264). */
  path: string;
  /** Container (default webm). */
  format?: 'webm' | 'matroska';
  logLevel?: string;
}

/** RTP (video and/or audio, as the SDP says) → a file, without re-encoding. */
export function buildRecordArgs(o: RecordOptions): string[] {
  return [
    ...globalArgs(o.logLevel, { stdin: o.sdp === 'stdin' }),
    ...sdpInputArgs(o),
    '-map',
    '0',
    '-c',
    'copy',
    '-f',
    o.format ?? 'webm',
    '-y',
    o.path,
  ];
}
