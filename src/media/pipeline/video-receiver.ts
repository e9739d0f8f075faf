/**
 * The stranger's video: RTP (already rewritten to one SSRC, payload type {@link VIDEO_PT}) →
 * a loopback UDP port → a decoder ffmpeg (the SDP on its stdin) → raw rgb24 frames of exactly
 * the receive size on stdout, cut into frames by {@link FrameChunker}. A new size or codec
 * restarts the decoder (on a new port); so does a crash. Every start emits `started`: the caller
 * asks the stranger for a keyframe.
 */
import { ErrorCodes } from '../../errors.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { TypedEmitter } from '../../util/typed-emitter.js';
import type { VideoCodec } from '../ffmpeg/args-send.js';
import { buildReceiveVideoArgs, type FpsModeFlag } from '../ffmpeg/args-receive.js';
import { buildSdp } from '../ffmpeg/sdp.js';
import type { ChildSupervisor } from '../ffmpeg/supervisor.js';
import type { RgbFrame } from '../render/frame.js';
import { FrameChunker } from './frame-chunker.js';
import { withOutputThreads1 } from './pipeline-args.js';
import { describeExit } from './managed-process.js';
import type { FrameSize } from './media-types.js';
import { RtpDecoder } from './rtp-decoder.js';
import { LOOPBACK } from './udp.js';
import { VIDEO_PT } from './video-sender.js';

export interface VideoReceiverOptions {
  ffmpeg: string;
  codec: VideoCodec;
  size: FrameSize;
  fpsModeFlag: FpsModeFlag;
  /** The build's SDP input takes `-localaddr` (ffmpeg ≥ 5): bind the decoder to 127.0.0.1. */
  localAddr: boolean;
  supervisor: ChildSupervisor;
  clock: Clock;
  logger: Logger;
}

export type VideoReceiverEvents = {
  frame: [RgbFrame];
  /** A decoder process started (first start, restart, resize): it needs a keyframe. */
  started: [];
  error: [{ code: string; message: string }];
};

export class VideoReceiver extends TypedEmitter<VideoReceiverEvents> {
  #size: FrameSize;
  #codec: VideoCodec;
  #chunker: FrameChunker;
  readonly #decoder: RtpDecoder;
  framesDecoded = 0;

  constructor(opts: VideoReceiverOptions) {
    super();
    this.#size = opts.size;
    this.#codec = opts.codec;
    this.#chunker = new FrameChunker(opts.size.width * opts.size.height * 3);
    this.#decoder = new RtpDecoder({
      label: 'video-decoder',
      ffmpeg: opts.ffmpeg,
      supervisor: opts.supervisor,
      clock: opts.clock,
      logger: opts.logger,
      build: (port) => ({
        sdp: buildSdp({ video: { port, payloadType: VIDEO_PT, codec: this.#codec } }),
        args: withOutputThreads1(
          buildReceiveVideoArgs({
            sdp: 'stdin',
            ...(opts.localAddr ? { localAddr: LOOPBACK } : {}),
            width: this.#size.width,
            height: this.#size.height,
            fpsModeFlag: opts.fpsModeFlag,
          }),
        ),
      }),
      onStart: (child) => {
        const size = this.#size;
        this.#chunker.reset(size.width * size.height * 3);
        child.child.stdout?.on('data', (chunk: Buffer) => {
          if (this.#decoder.child !== child) return;
          for (const data of this.#chunker.push(chunk)) {
            this.framesDecoded++;
            this.emit('frame', { width: size.width, height: size.height, data, ts: Date.now() });
          }
        });
        this.emit('started');
      },
      onCrash: ({ exit, stderr, willRestart }) => {
        const message = `video decoder ${describeExit(exit, stderr)}; ${willRestart ? 'restarting it' : 'giving up'}`;
        opts.logger.warn(message);
        this.emit('error', { code: ErrorCodes.MEDIA_DECODER, message });
      },
    });
  }

  get decoderPid(): number | undefined {
    return this.#decoder.pid;
  }
  get size(): FrameSize {
    return this.#size;
  }
  get codec(): VideoCodec {
    return this.#codec;
  }

  async start(): Promise<void> {
    await this.#decoder.start();
  }

  /** Forwards one RTP packet to the decoder (dropped while no decoder is listening). */
  push(packet: Buffer): void {
    this.#decoder.push(packet);
  }

  /** Decodes at a new size from now on (restarts the decoder). */
  async resize(size: FrameSize): Promise<void> {
    if (size.width === this.#size.width && size.height === this.#size.height) return;
    this.#size = { ...size };
    await this.#decoder.restart();
  }

  async setCodec(codec: VideoCodec): Promise<void> {
    if (codec === this.#codec) return;
    this.#codec = codec;
    await this.#decoder.restart();
  }

  async stop(): Promise<void> {
    this.removeAllListeners();
    await this.#decoder.stop();
  }
}
