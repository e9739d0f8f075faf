/**
 * The media pipeline's options and the events it adds to the Session (see README "Media").
 */
import type { VideoCodec } from '../ffmpeg/args-send.js';
import type { AudioSource, VideoSource } from '../ffmpeg/sources.js';
import type { RgbFrame } from '../render/frame.js';

export interface FrameSize {
  width: number;
  height: number;
}

export interface MediaOptions {
  /** What to send (default none/none: a Session only sends what it was told to). */
  video?: VideoSource;
  audio?: AudioSource;
  /** Preferred video codec (default vp8). The stranger's preference wins when they offer. */
  codec?: VideoCodec;
  /** `--ffmpeg PATH`; otherwise RANDCHAT_FFMPEG, the npm packages, then PATH. */
  ffmpegPath?: string;
  /** Environment for resolving ffmpeg (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Play the stranger's audio on the default output (default true). Bots and tests: false. */
  audioOut?: boolean;
  /** Save the stranger's video and audio of every match in this directory (the stranger is told). */
  recordDir?: string;
  /** Write one received frame of the first match as PNG here. */
  snapshotPath?: string;
  /** Size the stranger's video is decoded to (default 320x240); change it with `setVideoSize`. */
  receiveSize?: FrameSize;
  /** Sent video: size (default 640x480), frame rate (30), bitrate in bit/s (1_000_000). */
  sendSize?: FrameSize;
  fps?: number;
  videoBitrate?: number;
  /** Emit `self-frame` (our own picture) at this size; off when unset. */
  selfViewSize?: FrameSize;
  /** No new frame for this long is a `freeze` (default 1000 ms). */
  freezeMs?: number;
  /** `media-stats` period (default 1000 ms). */
  statsIntervalMs?: number;
}

export interface MediaStats {
  /** Decoded frames per second of the stranger's video over the last period. */
  fps: number;
  width: number;
  height: number;
  framesDecoded: number;
  /** RMS level of the stranger's audio over the last period, dBFS (null: no audio). */
  audioLevelDb: number | null;
  /** Frequency of a pure tone in the stranger's audio (the `tone` source), else null. */
  toneHz: number | null;
  freezes: number;
  packetsLost: number;
  keyframeRequests: number;
  /** Test pattern only: frame counter and source → decoded latency of the last frame. */
  counter: number | null;
  latencyMs: number | null;
}

export type MediaEvents = {
  /** A decoded frame of the stranger's video (rgb24 at the receive size). Not in `--json`. */
  'remote-frame': [RgbFrame];
  /** Our own picture at `selfViewSize`. Not in `--json`. */
  'self-frame': [RgbFrame];
  /** The first frame of this match was decoded: `ms` after chat-ready (0 if it came first). */
  'first-frame': [{ ms: number; width: number; height: number }];
  'media-stats': [MediaStats];
  /** No new frame for `ms` (≥ freezeMs); `ended` is sent once frames resume, with the total. */
  freeze: [{ ms: number; ended: boolean }];
  /** The stranger's picture turned black (`black: true`) or stopped being black. */
  'black-frame': [{ black: boolean }];
  /** Frames arrive but the picture has not changed for 2 s (`frozen: true`), or changes again. */
  'frozen-picture': [{ frozen: boolean }];
  /** What the stranger sends (from their data-channel notice). */
  'partner-media': [{ video: boolean; audio: boolean }];
  /** The stranger records the call (`--record`). */
  'partner-recording': [{ recording: boolean }];
  /** Something in the media pipeline failed; never ends the chat. */
  'media-error': [{ code: string; message: string }];
};

/** What we tell the stranger about our media (data-channel `{t:'media'}` notice). */
export interface MediaNotice {
  video: boolean;
  audio: boolean;
  recording: boolean;
}
