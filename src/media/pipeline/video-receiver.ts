/**
 * The stranger's video: RTP (already rewritten to one SSRC, payload type {@link VIDEO_PT}) →
 * a loopback UDP port → a decoder ffmpeg (the SDP on its stdin) → raw rgb24 frames of exactly
 * the receive size on stdout, cut into frames by {@link FrameChunker}. A new size or codec
 * restarts the decoder (on a new port); so does a crash. Every start emits `started`: the caller
 * asks the stranger for a keyframe.
 */
import type dgram from 'node:dgram';
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
import { describeExit, ManagedProcess } from './managed-process.js';
import type { FrameSize } from './media-types.js';
import { bindLoopback, freePortPair, LOOPBACK } from './udp.js';
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
  readonly #o: VideoReceiverOptions;
  #size: FrameSize;
  #codec: VideoCodec;
  #chunker: FrameChunker;
  #socket: dgram.Socket | null = null;
  #proc: ManagedProcess | null = null;
  #port = 0;
  #nextPort = 0;
  #stopped = false;
  framesDecoded = 0;

  constructor(opts: VideoReceiverOptions) {
    super();
    this.#o = opts;
    this.#size = opts.size;
    this.#codec = opts.codec;
    this.#chunker = new FrameChunker(opts.size.width * opts.size.height * 3);
  }

  get decoderPid(): number | undefined {
    return this.#proc?.pid;
  }
  get size(): FrameSize {
    return this.#size;
  }
  get codec(): VideoCodec {
    return this.#codec;
  }

  async start(): Promise<void> {
    const o = this.#o;
    const socket = await bindLoopback();
    if (this.#stopped) return void socket.close();
    this.#socket = socket;
    let sdp = '';
    this.#proc = new ManagedProcess({
      label: 'video-decoder',
      bin: o.ffmpeg,
      supervisor: o.supervisor,
      clock: o.clock,
      logger: o.logger,
      stdio: ['pipe', 'pipe', 'pipe'],
      args: async () => {
        this.#port = 0;
        const port = await freePortPair();
        sdp = buildSdp({ video: { port, payloadType: VIDEO_PT, codec: this.#codec } });
        this.#nextPort = port;
        return withOutputThreads1(
          buildReceiveVideoArgs({
            sdp: 'stdin',
            ...(o.localAddr ? { localAddr: LOOPBACK } : {}),
            width: this.#size.width,
            height: this.#size.height,
            fpsModeFlag: o.fpsModeFlag,
          }),
        );
      },
      onStart: (child) => {
        const size = this.#size;
        this.#chunker.reset(size.width * size.height * 3);
        child.child.stdin?.end(sdp);
        child.child.stdout?.on('data', (chunk: Buffer) => {
          if (this.#proc?.child !== child) return;
          for (const data of this.#chunker.push(chunk)) {
            this.framesDecoded++;
            this.emit('frame', { width: size.width, height: size.height, data, ts: Date.now() });
          }
        });
        this.#port = this.#nextPort;
        this.emit('started');
      },
      onCrash: ({ exit, stderr, willRestart }) => {
        this.#port = 0;
        const message = `video decoder ${describeExit(exit, stderr)}; ${willRestart ? 'restarting it' : 'giving up'}`;
        o.logger.warn(message);
        this.emit('error', { code: ErrorCodes.MEDIA_DECODER, message });
      },
    });
    await this.#proc.start();
  }

  /** Forwards one RTP packet to the decoder (dropped while no decoder is listening). */
  push(packet: Buffer): void {
    if (this.#port === 0 || !this.#socket) return;
    this.#socket.send(packet, this.#port, LOOPBACK);
  }

  /** Decodes at a new size from now on (restarts the decoder). */
  async resize(size: FrameSize): Promise<void> {
    if (size.width === this.#size.width && size.height === this.#size.height) return;
    this.#size = { ...size };
    await this.#proc?.restart();
  }

  async setCodec(codec: VideoCodec): Promise<void> {
    if (codec === this.#codec) return;
    this.#codec = codec;
    await this.#proc?.restart();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#port = 0;
    this.removeAllListeners();
    await this.#proc?.stop();
    this.#socket?.close();
    this.#socket = null;
  }
}
