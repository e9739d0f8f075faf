/**
 * `--record DIR`: the stranger's video and audio of one match, copied (no re-encoding) into a
 * WebM file (Matroska for H.264) by an ffmpeg fed the same rewritten RTP as the decoders.
 * `--snapshot PATH`: one decoded frame written as PNG.
 */
import type dgram from 'node:dgram';
import { ErrorCodes } from '../../errors.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { TypedEmitter } from '../../util/typed-emitter.js';
import type { VideoCodec } from '../ffmpeg/args-send.js';
import { globalArgs } from '../ffmpeg/args-send.js';
import { buildSdp } from '../ffmpeg/sdp.js';
import type { ChildSupervisor } from '../ffmpeg/supervisor.js';
import type { RgbFrame } from '../render/frame.js';
import { AUDIO_PT } from './audio-sender.js';
import { describeExit, ManagedProcess } from './managed-process.js';
import { buildSnapshotArgs } from './pipeline-args.js';
import { bindLoopback, freePortPair, LOOPBACK } from './udp.js';
import { VIDEO_PT } from './video-sender.js';

/** `DIR/randchat-2025-11-26T06-57-01-abcd1234.webm` */
export function recordingPath(dir: string, matchId: string, codec: VideoCodec, now: Date): string {
  const stamp = now.toISOString().replace(/\..*$/, '').replace(/:/g, '-');
  const id = matchId.replace(/[^A-Za-z0-9]/g, '').slice(0, 8);
  return `${dir.replace(/[\\/]+$/, '')}/randchat-${stamp}-${id}.${codec === 'vp8' ? 'webm' : 'mkv'}`;
}

/**
 * Recording args: like ../ffmpeg's buildRecordArgs but with normal probing (the muxer needs the
 * picture size before it writes the header; latency does not matter here).
 */
export function buildRecorderArgs(sdpPath: 'pipe:0', out: string, codec: VideoCodec): string[] {
  return [
    ...globalArgs('error', { stdin: true }),
    '-protocol_whitelist',
    'pipe,udp,rtp',
    '-f',
    'sdp',
    '-i',
    sdpPath,
    '-map',
    '0',
    '-c',
    'copy',
    '-f',
    codec === 'vp8' ? 'webm' : 'matroska',
    '-y',
    out,
  ];
}

export interface RecorderOptions {
  ffmpeg: string;
  path: string;
  codec: VideoCodec;
  supervisor: ChildSupervisor;
  clock: Clock;
  logger: Logger;
}

/**
 * RTCP BYE (RFC 3550 6.6) with a 3-byte reason: ffmpeg's RTP demuxer ignores packets shorter
 * than 12 bytes, and ends its input once every stream said BYE.
 */
export const RTCP_BYE = Buffer.from([0x81, 0xcb, 0x00, 0x02, 0, 0, 0, 1, 3, 0x65, 0x6e, 0x64]);
/** How long the recorder may take to finish its file after the BYE. */
const BYE_GRACE_MS = 3000;

export class Recorder extends TypedEmitter<{ error: [{ code: string; message: string }] }> {
  readonly #o: RecorderOptions;
  #socket: dgram.Socket | null = null;
  #proc: ManagedProcess | null = null;
  #ports = { video: 0, audio: 0 };
  #live = false;
  #stopped = false;

  constructor(opts: RecorderOptions) {
    super();
    this.#o = opts;
  }

  async start(): Promise<void> {
    const o = this.#o;
    const socket = await bindLoopback();
    const ports = { video: await freePortPair(), audio: await freePortPair() };
    if (this.#stopped) return void socket.close();
    this.#socket = socket;
    const sdp = buildSdp({
      video: { port: ports.video, payloadType: VIDEO_PT, codec: o.codec },
      audio: { port: ports.audio, payloadType: AUDIO_PT, codec: 'opus' },
    });
    this.#proc = new ManagedProcess({
      label: 'recorder',
      bin: o.ffmpeg,
      supervisor: o.supervisor,
      clock: o.clock,
      logger: o.logger,
      stdio: ['pipe', 'ignore', 'pipe'],
      maxQuickCrashes: 0,
      args: () => buildRecorderArgs('pipe:0', o.path, o.codec),
      onStart: (child) => {
        child.child.stdin?.end(sdp);
        this.#ports = ports;
        this.#live = true;
      },
      onCrash: ({ exit, stderr }) => {
        this.#live = false;
        this.emit('error', {
          code: ErrorCodes.MEDIA_RECORD,
          message: `recording to ${o.path} stopped: ${describeExit(exit, stderr)}`,
        });
      },
    });
    await this.#proc.start();
  }

  push(kind: 'video' | 'audio', packet: Buffer): void {
    if (this.#live && this.#socket) this.#socket.send(packet, this.#ports[kind], LOOPBACK);
  }

  /**
   * Ends the file cleanly. ffmpeg ignores a first SIGINT while it waits for RTP that no longer
   * comes, and a second one makes it exit without writing the file's index; an RTCP BYE on every
   * stream ends its input instead, so it finishes the file and exits by itself.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    const live = this.#live;
    this.#live = false;
    this.removeAllListeners();
    const socket = this.#socket;
    const { video, audio } = this.#ports;
    await this.#proc?.finish(() => {
      if (!live || !socket) return;
      for (const port of [video, audio]) socket.send(RTCP_BYE, port + 1, LOOPBACK);
    }, BYE_GRACE_MS);
    socket?.close();
    this.#socket = null;
  }
}

/** Writes one rgb24 frame as a PNG through ffmpeg; rejects with ffmpeg's reason. */
export async function takeSnapshot(o: {
  ffmpeg: string;
  supervisor: ChildSupervisor;
  path: string;
  frame: RgbFrame;
}): Promise<void> {
  const child = o.supervisor.spawn(o.ffmpeg, buildSnapshotArgs(o.frame.width, o.frame.height, o.path), {
    label: 'snapshot',
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  child.child.stdin?.end(o.frame.data);
  const exit = await child.exited;
  if (exit.code !== 0)
    throw new Error(`could not write ${o.path}: ${describeExit(exit, child.stderrTail.join('\n'))}`);
}
