/**
 * Pure ffmpeg arguments for the sending side: a video and/or audio source, encoded (VP8 or H.264,
 * Opus 48 kHz) and sent as RTP to loopback UDP ports, one output per stream. The pipeline binds
 * those ports (port 0 → the OS picks) and hands the packets to `track.writeRtp`.
 *
 * Notes for callers:
 * - `-nostdin`: ffmpeg ignores stdin EOF anyway (measured), and a child that inherited a TTY
 *   stdin would otherwise fight the Ink UI for keystrokes. Parent-death is handled by the
 *   supervisor's watchdog, not by any ffmpeg option (see ./watchdog.ts), so no extra args.
 * - ffmpeg's `-ssrc` is a signed 32-bit option: SSRCs ≥ 2^31 are passed as their int32 value.
 * - ffmpeg also sends RTCP sender reports to PORT+1 unless `rtcp: false` (`-rtpflags skip_rtcp`,
 *   the default here: werift makes its own RTCP and PORT+1 may belong to someone else).
 */
import {
  audioInputArgs,
  videoInputArgs,
  type AudioSource,
  type MediaPlatform,
  type VideoSource,
} from './sources.js';

export type VideoCodec = 'vp8' | 'h264';

export interface RtpTarget {
  port: number;
  payloadType: number;
  ssrc: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** RTP packet size limit (default 1200: fits a WebRTC path MTU with SRTP overhead). */
  pktSize?: number;
}

export interface SendArgsOptions {
  platform: MediaPlatform;
  video: VideoSource;
  audio: AudioSource;
  /** Where to send video RTP; required when video is not `none`. */
  videoRtp?: RtpTarget;
  /** Where to send audio RTP; required when audio is not `none`. */
  audioRtp?: RtpTarget;
  /** Default vp8. */
  videoCodec?: VideoCodec;
  /** Encoded size (default 640×480) and frame rate (default 30). */
  width?: number;
  height?: number;
  fps?: number;
  /** Video bitrate in bit/s (default 1_000_000). */
  videoBitrate?: number;
  /** Keyframe interval in frames (default 2 s worth: a stranger joining mid-stream waits ≤ 2 s). */
  gop?: number;
  /** Opus bitrate in bit/s (default 48_000). */
  audioBitrate?: number;
  /** Send RTCP sender reports to PORT+1 (default false). */
  rtcp?: boolean;
  /** ffmpeg -loglevel (default 'error'). */
  logLevel?: string;
}

export const SEND_DEFAULTS = {
  width: 640,
  height: 480,
  fps: 30,
  videoBitrate: 1_000_000,
  audioBitrate: 48_000,
  videoCodec: 'vp8' as VideoCodec,
};

/** The full argument list (without the binary) for one sending ffmpeg. */
export function buildSendArgs(opts: SendArgsOptions): string[] {
  const width = opts.width ?? SEND_DEFAULTS.width;
  const height = opts.height ?? SEND_DEFAULTS.height;
  const fps = opts.fps ?? SEND_DEFAULTS.fps;
  const platform = opts.platform;
  const hasVideo = opts.video.kind !== 'none';
  const hasAudio = opts.audio.kind !== 'none';
  if (!hasVideo && !hasAudio) throw new RangeError('buildSendArgs: video and audio are both none');
  if (hasVideo && !opts.videoRtp)
    throw new RangeError('buildSendArgs: videoRtp is required for a video source');
  if (hasAudio && !opts.audioRtp)
    throw new RangeError('buildSendArgs: audioRtp is required for an audio source');

  const args = globalArgs(opts.logLevel);
  args.push(...videoInputArgs(opts.video, { platform, width, height, fps }));
  args.push(...audioInputArgs(opts.audio, platform));
  const audioInput = hasVideo ? 1 : 0;

  if (hasVideo && opts.videoRtp) {
    args.push('-map', '0:v:0', '-an', '-sn', '-dn');
    args.push(
      ...videoEncodeArgs({
        codec: opts.videoCodec ?? SEND_DEFAULTS.videoCodec,
        width,
        height,
        fps,
        bitrate: opts.videoBitrate ?? SEND_DEFAULTS.videoBitrate,
        gop: opts.gop ?? fps * 2,
      }),
    );
    args.push(...rtpOutputArgs(opts.videoRtp, opts.rtcp ?? false));
  }
  if (hasAudio && opts.audioRtp) {
    args.push('-map', `${audioInput}:a:0`, '-vn', '-sn', '-dn');
    args.push(...opusEncodeArgs(opts.audioBitrate ?? SEND_DEFAULTS.audioBitrate));
    args.push(...rtpOutputArgs(opts.audioRtp, opts.rtcp ?? false));
  }
  return args;
}

/** Leading options shared by every randchat ffmpeg. */
export function globalArgs(logLevel = 'error', opts: { stdin?: boolean } = {}): string[] {
  return ['-hide_banner', '-loglevel', logLevel, '-nostats', ...(opts.stdin ? [] : ['-nostdin'])];
}

export interface VideoEncodeOptions {
  codec: VideoCodec;
  width: number;
  height: number;
  fps: number;
  bitrate: number;
  gop: number;
}

/** Real-time encoder settings: no lookahead, no B-frames, constrained bitrate, yuv420p. */
export function videoEncodeArgs(o: VideoEncodeOptions): string[] {
  const rate = [
    '-b:v',
    String(o.bitrate),
    '-maxrate',
    String(o.bitrate),
    '-bufsize',
    String(Math.round(o.bitrate / 2)),
  ];
  const common = [
    '-vf',
    `scale=${o.width}:${o.height},fps=${o.fps}`,
    '-pix_fmt',
    'yuv420p',
    '-g',
    String(o.gop),
    '-keyint_min',
    String(o.gop),
  ];
  if (o.codec === 'vp8') {
    return [
      '-c:v',
      'libvpx',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-lag-in-frames',
      '0',
      '-error-resilient',
      '1',
      '-auto-alt-ref',
      '0',
      ...rate,
      ...common,
    ];
  }
  return [
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-profile:v',
    'baseline',
    '-bf',
    '0',
    // SPS/PPS before every keyframe: the receiver never sees ffmpeg's SDP.
    '-x264-params',
    'repeat-headers=1',
    ...rate,
    ...common,
  ];
}

/** Opus at 48 kHz, 20 ms frames, tuned for voice. */
export function opusEncodeArgs(bitrate: number): string[] {
  return [
    '-c:a',
    'libopus',
    '-ar',
    '48000',
    '-ac',
    '2',
    '-b:a',
    String(bitrate),
    '-application',
    'voip',
    '-frame_duration',
    '20',
  ];
}

/** `-f rtp … rtp://HOST:PORT?pkt_size=N` for one stream. */
export function rtpOutputArgs(t: RtpTarget, rtcp: boolean): string[] {
  const host = t.host ?? '127.0.0.1';
  return [
    '-f',
    'rtp',
    '-payload_type',
    String(t.payloadType),
    '-ssrc',
    String(ssrcToInt32(t.ssrc)),
    ...(rtcp ? [] : ['-rtpflags', 'skip_rtcp']),
    // localaddr: bind the sending socket to loopback too (honoured by 5.x; 4.1 ignores it).
    `rtp://${host}:${t.port}?pkt_size=${t.pktSize ?? 1200}${isLoopback(host) ? `&localaddr=${host}` : ''}`,
  ];
}

/** ffmpeg's `-ssrc` is an int: 0..2^32-1 → its two's-complement int32. */
export function ssrcToInt32(ssrc: number): number {
  if (!Number.isInteger(ssrc) || ssrc < 0 || ssrc > 0xffffffff) throw new RangeError(`bad SSRC ${ssrc}`);
  return ssrc | 0;
}

function isLoopback(host: string): boolean {
  return /^127\./.test(host);
}
