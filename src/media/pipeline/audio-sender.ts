/**
 * Our audio: one ffmpeg (microphone, tone or file → Opus → RTP) sending to a loopback UDP socket
 * bound before it starts. Muting stops the process (the microphone is released); the RTP
 * rewriter keeps the stream continuous across restarts.
 */
import { randomInt } from 'node:crypto';
import type dgram from 'node:dgram';
import { ErrorCodes } from '../../errors.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { TypedEmitter } from '../../util/typed-emitter.js';
import { buildSendArgs } from '../ffmpeg/args-send.js';
import type { AudioSource, MediaPlatform } from '../ffmpeg/sources.js';
import type { ChildSupervisor } from '../ffmpeg/supervisor.js';
import { describeExit, ManagedProcess } from './managed-process.js';
import { RtpRewriter } from './rtp-rewrite.js';
import { openRtpIntake } from './udp.js';

export const AUDIO_PT = 111;

export interface AudioSenderOptions {
  ffmpeg: string;
  source: Exclude<AudioSource, { kind: 'none' }>;
  platform: MediaPlatform;
  supervisor: ChildSupervisor;
  clock: Clock;
  logger: Logger;
}

export type AudioSenderEvents = {
  rtp: [Buffer];
  error: [{ code: string; message: string }];
};

export class AudioSender extends TypedEmitter<AudioSenderEvents> {
  readonly #o: AudioSenderOptions;
  readonly #rewriter = new RtpRewriter({
    ssrc: randomInt(1, 2 ** 31),
    payloadType: AUDIO_PT,
    clockRate: 48_000,
  });
  #socket: dgram.Socket | null = null;
  #proc: ManagedProcess | null = null;
  #enabled = true;
  #stopped = false;

  constructor(opts: AudioSenderOptions) {
    super();
    this.#o = opts;
  }

  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  async start(): Promise<void> {
    const o = this.#o;
    const socket = await openRtpIntake(this.#rewriter, o.clock, (out) => {
      if (this.#enabled) this.emit('rtp', out);
    });
    if (this.#stopped) return void socket.close();
    this.#socket = socket;
    const port = socket.address().port;
    const what = o.source.kind === 'mic' ? 'microphone' : o.source.kind === 'tone' ? 'tone' : 'audio file';
    this.#proc = new ManagedProcess({
      label: 'audio-encoder',
      bin: o.ffmpeg,
      supervisor: o.supervisor,
      clock: o.clock,
      logger: o.logger,
      stdio: ['ignore', 'ignore', 'pipe'],
      maxQuickCrashes: o.source.kind === 'mic' ? 2 : 5,
      args: () =>
        buildSendArgs({
          platform: o.platform,
          video: { kind: 'none' },
          audio: o.source,
          audioRtp: { port, payloadType: AUDIO_PT, ssrc: randomInt(1, 2 ** 32 - 1) },
        }),
      onCrash: ({ exit, stderr, willRestart }) => {
        const code = o.source.kind === 'mic' ? ErrorCodes.MEDIA_DEVICE : ErrorCodes.MEDIA_ENCODER;
        const message = `${what} encoder ${describeExit(exit, stderr)}; ${willRestart ? 'restarting it' : 'no audio is sent'}`;
        o.logger.warn(message);
        this.emit('error', { code, message });
      },
    });
    if (this.#enabled) await this.#proc.start();
  }

  /** Mute (false) stops the encoder; unmute starts it again. */
  async setEnabled(on: boolean): Promise<void> {
    if (on === this.#enabled || this.#stopped) return;
    this.#enabled = on;
    if (on) await this.#proc?.start();
    else await this.#proc?.pause();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.removeAllListeners();
    await this.#proc?.stop();
    this.#socket?.close();
    this.#socket = null;
  }
}
