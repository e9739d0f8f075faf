/**
 * An ffmpeg that decodes RTP arriving on a loopback UDP port, described by an SDP written to its
 * stdin; shared by the video and audio receivers. Every (re)start takes a fresh port pair (ffmpeg
 * also binds PORT+1 for RTCP) and rebuilds the SDP and arguments; packets pushed while no decoder
 * is listening (starting, restarting, crashed) are dropped.
 */
import type dgram from 'node:dgram';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { ChildSupervisor, SupervisedChild } from '../ffmpeg/supervisor.js';
import { ManagedProcess, type ManagedProcessOptions } from './managed-process.js';
import { bindLoopback, freePortPair, LOOPBACK } from './udp.js';

export interface RtpDecoderOptions {
  label: string;
  ffmpeg: string;
  supervisor: ChildSupervisor;
  clock: Clock;
  logger: Logger;
  /** The SDP describing RTP on `port`, and the decoder's arguments (reading that SDP from stdin). */
  build(port: number): { sdp: string; args: string[] };
  /** A decoder is listening: wire its stdout. */
  onStart(child: SupervisedChild): void;
  onCrash: ManagedProcessOptions['onCrash'];
}

export class RtpDecoder {
  readonly #o: RtpDecoderOptions;
  #socket: dgram.Socket | null = null;
  #proc: ManagedProcess | null = null;
  #port = 0;
  #stopped = false;

  constructor(opts: RtpDecoderOptions) {
    this.#o = opts;
  }

  get pid(): number | undefined {
    return this.#proc?.pid;
  }
  /** The current decoder child (to ignore output of one that was replaced). */
  get child(): SupervisedChild | null {
    return this.#proc?.child ?? null;
  }

  async start(): Promise<void> {
    const o = this.#o;
    const socket = await bindLoopback();
    if (this.#stopped) return void socket.close();
    this.#socket = socket;
    let sdp = '';
    let nextPort = 0;
    this.#proc = new ManagedProcess({
      label: o.label,
      bin: o.ffmpeg,
      supervisor: o.supervisor,
      clock: o.clock,
      logger: o.logger,
      stdio: ['pipe', 'pipe', 'pipe'],
      args: async () => {
        this.#port = 0;
        nextPort = await freePortPair();
        const built = o.build(nextPort);
        sdp = built.sdp;
        return built.args;
      },
      onStart: (child) => {
        child.child.stdin?.end(sdp);
        this.#port = nextPort;
        o.onStart(child);
      },
      onCrash: (info) => {
        this.#port = 0;
        o.onCrash(info);
      },
    });
    await this.#proc.start();
  }

  /** Forwards one RTP packet to the decoder (dropped while no decoder is listening). */
  push(packet: Buffer): void {
    if (this.#port === 0 || !this.#socket) return;
    this.#socket.send(packet, this.#port, LOOPBACK);
  }

  async restart(): Promise<void> {
    await this.#proc?.restart();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#port = 0;
    await this.#proc?.stop();
    this.#socket?.close();
    this.#socket = null;
  }
}
