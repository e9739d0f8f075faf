/**
 * The stranger's audio: RTP (rewritten, payload type {@link AUDIO_PT}) → a loopback port → an
 * Opus decoder ffmpeg → mono 48 kHz s16le PCM on stdout. Node measures the level and detects a
 * pure tone over 100 ms blocks, and (unless `--no-audio-out`) pipes the PCM to a player ffmpeg
 * on the default output. A player that cannot start is reported once and left off.
 */
import { ErrorCodes } from '../../errors.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { TypedEmitter } from '../../util/typed-emitter.js';
import { buildReceiveAudioArgs } from '../ffmpeg/args-receive.js';
import { buildSdp } from '../ffmpeg/sdp.js';
import type { MediaPlatform } from '../ffmpeg/sources.js';
import type { ChildSupervisor } from '../ffmpeg/supervisor.js';
import { detectTone, levelDbfs, s16leSamples } from './audio-analysis.js';
import { AUDIO_PT } from './audio-sender.js';
import { FrameChunker } from './frame-chunker.js';
import { describeExit, ManagedProcess } from './managed-process.js';
import { buildPlayPcmArgs, withOutputThreads1 } from './pipeline-args.js';
import { RtpDecoder } from './rtp-decoder.js';
import { LOOPBACK } from './udp.js';

export const PCM_RATE = 48_000;
/** Analysis block: 100 ms of mono s16. */
const BLOCK_BYTES = (PCM_RATE / 10) * 2;

export interface AudioReceiverOptions {
  ffmpeg: string;
  platform: MediaPlatform;
  play: boolean;
  localAddr: boolean;
  supervisor: ChildSupervisor;
  clock: Clock;
  logger: Logger;
}

export type AudioReceiverEvents = {
  /** One 100 ms block analysed. */
  block: [{ levelDb: number; toneHz: number | null }];
  error: [{ code: string; message: string }];
};

export class AudioReceiver extends TypedEmitter<AudioReceiverEvents> {
  readonly #o: AudioReceiverOptions;
  readonly #chunker = new FrameChunker(BLOCK_BYTES);
  readonly #decoder: RtpDecoder;
  #player: ManagedProcess | null = null;
  #stopped = false;

  constructor(opts: AudioReceiverOptions) {
    super();
    this.#o = opts;
    this.#decoder = new RtpDecoder({
      label: 'audio-decoder',
      ffmpeg: opts.ffmpeg,
      supervisor: opts.supervisor,
      clock: opts.clock,
      logger: opts.logger,
      build: (port) => ({
        sdp: buildSdp({ audio: { port, payloadType: AUDIO_PT, codec: 'opus' } }),
        args: withOutputThreads1(
          buildReceiveAudioArgs({
            sdp: 'stdin',
            ...(opts.localAddr ? { localAddr: LOOPBACK } : {}),
            platform: opts.platform,
            sink: { kind: 'pcm', sampleRate: PCM_RATE, channels: 1 },
          }),
        ),
      }),
      onStart: (child) => {
        this.#chunker.reset();
        child.child.stdout?.on('data', (chunk: Buffer) => this.#onPcm(chunk));
      },
      onCrash: ({ exit, stderr, willRestart }) =>
        this.#report(
          ErrorCodes.MEDIA_DECODER,
          `audio decoder ${describeExit(exit, stderr)}; ${willRestart ? 'restarting it' : 'giving up'}`,
        ),
    });
  }

  get decoderPid(): number | undefined {
    return this.#decoder.pid;
  }

  async start(): Promise<void> {
    const o = this.#o;
    if (this.#stopped) return;
    if (o.play) {
      this.#player = new ManagedProcess({
        label: 'audio-player',
        bin: o.ffmpeg,
        supervisor: o.supervisor,
        clock: o.clock,
        logger: o.logger,
        stdio: ['pipe', 'ignore', 'pipe'],
        maxQuickCrashes: 1,
        args: () => buildPlayPcmArgs(o.platform),
        onCrash: ({ exit, stderr }) =>
          this.#report(
            ErrorCodes.MEDIA_PLAYBACK,
            `audio output unavailable (player ${describeExit(exit, stderr)}); the stranger's audio is not played`,
          ),
      });
      await this.#player.start();
    }
    await this.#decoder.start();
  }

  push(packet: Buffer): void {
    this.#decoder.push(packet);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.removeAllListeners();
    await Promise.all([this.#decoder.stop(), this.#player?.stop()]);
  }

  #onPcm(chunk: Buffer): void {
    const stdin = this.#player?.running ? this.#player.child?.child.stdin : undefined;
    if (stdin && stdin.writableLength < BLOCK_BYTES * 5) stdin.write(chunk);
    for (const block of this.#chunker.push(chunk)) {
      const samples = s16leSamples(block);
      const tone = detectTone(samples, PCM_RATE);
      this.emit('block', { levelDb: levelDbfs(samples), toneHz: tone ? tone.hz : null });
    }
  }

  #report(code: string, message: string): void {
    this.#o.logger.warn(message);
    this.emit('error', { code, message });
  }
}
