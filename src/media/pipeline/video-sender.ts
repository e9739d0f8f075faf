/**
 * Our video, from the source to RTP packets ready for `track.writeRtp`.
 *
 * Raw yuv420p frames come from Node (the test pattern) or from a capture ffmpeg (camera, file);
 * an encoder ffmpeg reads them on stdin and sends RTP to a loopback UDP socket bound before it
 * starts. Split in two so a keyframe request (PLI) restarts only the encoder (~70 ms to a
 * keyframe instead of waiting for the GOP) and the camera stays open. The RTP rewriter hides every
 * restart from the stranger (one SSRC, continuous sequence numbers and timestamps).
 */
import { randomInt } from 'node:crypto';
import type dgram from 'node:dgram';
import { ErrorCodes } from '../../errors.js';
import type { Clock, Timer } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { TypedEmitter } from '../../util/typed-emitter.js';
import type { VideoCodec } from '../ffmpeg/args-send.js';
import type { MediaPlatform, VideoSource } from '../ffmpeg/sources.js';
import type { ChildSupervisor } from '../ffmpeg/supervisor.js';
import type { RgbFrame } from '../render/frame.js';
import { FrameChunker } from './frame-chunker.js';
import { describeExit, ManagedProcess } from './managed-process.js';
import type { FrameSize } from './media-types.js';
import { buildCaptureArgs, buildEncodeFromPipeArgs } from './pipeline-args.js';
import { RtpRewriter } from './rtp-rewrite.js';
import { TestPatternGenerator, yuv420pBytes } from './test-pattern.js';
import { openRtpIntake } from './udp.js';
import { yuv420pToRgb } from './yuv.js';

export const VIDEO_PT = 96;

export interface VideoSenderOptions {
  ffmpeg: string;
  source: Exclude<VideoSource, { kind: 'none' }>;
  codec: VideoCodec;
  platform: MediaPlatform;
  width: number;
  height: number;
  fps: number;
  bitrate: number;
  supervisor: ChildSupervisor;
  clock: Clock;
  logger: Logger;
  /** Emit `self-frame` at this size (about 15 fps). */
  selfViewSize?: FrameSize;
  /** At most one keyframe restart per this period (default 1000 ms). */
  keyframeMinIntervalMs?: number;
}

export type VideoSenderEvents = {
  rtp: [Buffer];
  'self-frame': [RgbFrame];
  error: [{ code: string; message: string }];
};

export class VideoSender extends TypedEmitter<VideoSenderEvents> {
  readonly #o: VideoSenderOptions;
  readonly #frameBytes: number;
  readonly #rewriter: RtpRewriter;
  #codec: VideoCodec;
  #socket: dgram.Socket | null = null;
  #encoder: ManagedProcess | null = null;
  #capture: ManagedProcess | null = null;
  #pattern: TestPatternGenerator | null = null;
  #tick: Timer | undefined;
  #counter = 0;
  #enabled = true;
  #stopped = false;
  #lastRestartAt = -Infinity;
  #pendingKeyframe: Timer | undefined;
  #lastSelfAt = 0;
  #selfViewSize: FrameSize | null;
  keyframeRestarts = 0;
  framesIn = 0;

  constructor(opts: VideoSenderOptions) {
    super();
    this.#o = opts;
    this.#codec = opts.codec;
    this.#selfViewSize = opts.selfViewSize ?? null;
    this.#frameBytes = yuv420pBytes(opts.width, opts.height);
    this.#rewriter = new RtpRewriter({
      ssrc: randomInt(1, 2 ** 31),
      payloadType: VIDEO_PT,
      clockRate: 90_000,
    });
  }

  get encoderPid(): number | undefined {
    return this.#encoder?.pid;
  }
  get capturePid(): number | undefined {
    return this.#capture?.pid;
  }
  get codec(): VideoCodec {
    return this.#codec;
  }

  async start(): Promise<void> {
    const o = this.#o;
    const socket = await openRtpIntake(this.#rewriter, o.clock, (out) => {
      if (this.#enabled) this.emit('rtp', out);
    });
    if (this.#stopped) return void socket.close();
    this.#socket = socket;
    const port = socket.address().port;
    this.#encoder = new ManagedProcess({
      label: 'video-encoder',
      bin: o.ffmpeg,
      supervisor: o.supervisor,
      clock: o.clock,
      logger: o.logger,
      stdio: ['pipe', 'ignore', 'pipe'],
      args: () =>
        buildEncodeFromPipeArgs({
          codec: this.#codec,
          width: o.width,
          height: o.height,
          fps: o.fps,
          bitrate: o.bitrate,
          gop: o.fps * 4,
          rtp: { port, payloadType: VIDEO_PT, ssrc: randomInt(1, 2 ** 32 - 1) },
        }),
      onCrash: ({ exit, stderr, willRestart }) =>
        this.#error(
          ErrorCodes.MEDIA_ENCODER,
          `video encoder ${describeExit(exit, stderr)}; ${willRestart ? 'restarting it' : 'giving up'}`,
        ),
    });
    // `test` draws the stamped pattern in Node; `test:LAVFI` captures that lavfi source instead.
    if (o.source.kind === 'test' && !o.source.lavfi)
      this.#pattern = new TestPatternGenerator(o.width, o.height);
    else this.#capture = this.#newCapture(o.source);
    if (this.#enabled) await this.#run();
  }

  /** Emit `self-frame` at this size from now on, or stop (null). */
  setSelfView(size: FrameSize | null): void {
    this.#selfViewSize = size ? { ...size } : null;
  }

  /** Answers a keyframe request (PLI) by restarting the encoder, at most once per interval. */
  requestKeyframe(): void {
    if (this.#stopped || !this.#enabled || this.#pendingKeyframe) return;
    const wait = this.#lastRestartAt + (this.#o.keyframeMinIntervalMs ?? 1000) - this.#o.clock.now();
    if (wait <= 0) return this.#restartEncoder();
    this.#pendingKeyframe = this.#o.clock.setTimeout(() => {
      this.#pendingKeyframe = undefined;
      this.#restartEncoder();
    }, wait);
  }

  /** Switches codec (the negotiation picked the other one): restarts the encoder. */
  setCodec(codec: VideoCodec): void {
    if (codec === this.#codec) return;
    this.#codec = codec;
    this.#restartEncoder();
  }

  /** Off: stop capturing and encoding (the camera is released); on: start again. */
  async setEnabled(on: boolean): Promise<void> {
    if (on === this.#enabled || this.#stopped) return;
    this.#enabled = on;
    if (on) return this.#run();
    this.#o.clock.clearInterval(this.#tick);
    this.#tick = undefined;
    await Promise.all([this.#capture?.pause(), this.#encoder?.pause()]);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#o.clock.clearInterval(this.#tick);
    this.#o.clock.clearTimeout(this.#pendingKeyframe);
    this.removeAllListeners();
    await Promise.all([this.#capture?.stop(), this.#encoder?.stop()]);
    this.#socket?.close();
    this.#socket = null;
  }

  async #run(): Promise<void> {
    this.#lastRestartAt = this.#o.clock.now();
    await this.#encoder?.start();
    if (this.#capture) return this.#capture.start();
    if (this.#pattern && !this.#tick)
      this.#tick = this.#o.clock.setInterval(() => this.#emitPattern(), 1000 / this.#o.fps);
  }

  #restartEncoder(): void {
    if (this.#stopped || !this.#enabled || !this.#encoder) return;
    this.#lastRestartAt = this.#o.clock.now();
    this.keyframeRestarts++;
    void this.#encoder.restart();
  }

  #emitPattern(): void {
    const frame = this.#pattern?.frame({ counter: this.#counter++, timeMs: Date.now() >>> 0 });
    if (frame) this.#onRawFrame(frame);
  }

  #onRawFrame(frame: Buffer): void {
    this.framesIn++;
    const stdin = this.#encoder?.child?.child.stdin;
    // Never queue frames behind a busy encoder: a late frame is worse than a dropped one.
    if (stdin && this.#encoder?.running && stdin.writableLength < this.#frameBytes * 2) stdin.write(frame);
    const self = this.#selfViewSize;
    const now = this.#o.clock.now();
    if (self && now - this.#lastSelfAt >= 66 && this.listenerCount('self-frame') > 0) {
      this.#lastSelfAt = now;
      this.emit('self-frame', yuv420pToRgb(frame, this.#o.width, this.#o.height, self.width, self.height));
    }
  }

  #newCapture(source: Exclude<VideoSource, { kind: 'none' }>): ManagedProcess {
    const o = this.#o;
    const chunker = new FrameChunker(this.#frameBytes);
    return new ManagedProcess({
      label: 'video-capture',
      bin: o.ffmpeg,
      supervisor: o.supervisor,
      clock: o.clock,
      logger: o.logger,
      stdio: ['ignore', 'pipe', 'pipe'],
      maxQuickCrashes: source.kind === 'webcam' ? 2 : 5,
      args: () =>
        buildCaptureArgs(source, { platform: o.platform, width: o.width, height: o.height, fps: o.fps }),
      onStart: (child) => {
        chunker.reset();
        child.child.stdout?.on('data', (chunk: Buffer) => {
          for (const f of chunker.push(chunk)) this.#onRawFrame(f);
        });
      },
      onCrash: ({ exit, stderr, willRestart }) => {
        const what =
          source.kind === 'webcam'
            ? `camera ${source.device ?? ''}`.trim()
            : source.kind === 'file'
              ? `video file ${source.path}`
              : `test source ${source.lavfi ?? ''}`;
        const code = source.kind === 'webcam' ? ErrorCodes.MEDIA_DEVICE : ErrorCodes.MEDIA_ENCODER;
        this.#error(
          code,
          `${what}: capture ${describeExit(exit, stderr)}; ${willRestart ? 'retrying' : 'no video is sent'}`,
        );
      },
    });
  }

  #error(code: string, message: string): void {
    this.#o.logger.warn(message);
    this.emit('error', { code, message });
  }
}
