/**
 * Everything media for one stranger (one match): our senders, the stranger's decoders, the
 * recorder and snapshot, frame monitoring and keyframe requests. It outlives peer-connection
 * generations (`/reconnect` rebuilds the RTCPeerConnection; `attach` moves the media to the new
 * one) and is stopped with the match (`/next`, the stranger leaving, session close): every ffmpeg
 * child it started is stopped then.
 */
import { randomInt } from 'node:crypto';
import type { Clock, Timer } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { TypedEmitter } from '../../util/typed-emitter.js';
import type { VideoCodec } from '../ffmpeg/args-send.js';
import type { AudioSource, MediaPlatform, VideoSource } from '../ffmpeg/sources.js';
import type { ChildSupervisor } from '../ffmpeg/supervisor.js';
import type { RgbFrame } from '../render/frame.js';
import { AudioReceiver } from './audio-receiver.js';
import { AudioSender, AUDIO_PT } from './audio-sender.js';
import { FrameMonitor, type MonitorEvent } from './frame-monitor.js';
import type { MediaLink } from './media-link.js';
import type { FrameSize, MediaEvents, MediaNotice } from './media-types.js';
import { Recorder, takeSnapshot } from './record.js';
import { GapDetector, RtpRewriter } from './rtp-rewrite.js';
import { VideoReceiver } from './video-receiver.js';
import { VideoSender, VIDEO_PT } from './video-sender.js';

export interface MatchMediaConfig {
  ffmpeg: string;
  platform: MediaPlatform;
  fpsModeFlag: 'vsync' | 'fps_mode';
  localAddr: boolean;
  video: VideoSource;
  audio: AudioSource;
  codec: VideoCodec;
  audioOut: boolean;
  sendSize: FrameSize;
  fps: number;
  videoBitrate: number;
  receiveSize: FrameSize;
  selfViewSize?: FrameSize;
  recordPath?: string;
  snapshotPath?: string;
  freezeMs: number;
  statsIntervalMs: number;
  supervisor: ChildSupervisor;
  clock: Clock;
  logger: Logger;
}

/** How often, at most, we ask the stranger for a keyframe. */
const KEYFRAME_REQUEST_MS = 300;
/** How long a new decoder or connection waits for a keyframe before asking for one. */
const KEYFRAME_GRACE_MS = 250;

export class MatchMedia extends TypedEmitter<MediaEvents> {
  readonly #c: MatchMediaConfig;
  readonly videoSender: VideoSender | null;
  readonly audioSender: AudioSender | null;
  readonly videoReceiver: VideoReceiver;
  readonly audioReceiver: AudioReceiver;
  readonly #recorder: Recorder | null;
  readonly #monitor: FrameMonitor;
  readonly #rx = {
    video: new RtpRewriter({ ssrc: randomInt(1, 2 ** 31), payloadType: VIDEO_PT, clockRate: 90_000 }),
    audio: new RtpRewriter({ ssrc: randomInt(1, 2 ** 31), payloadType: AUDIO_PT, clockRate: 48_000 }),
  };
  readonly #gaps = new GapDetector();
  #link: MediaLink | null = null;
  #timers: Timer[] = [];
  #chatReadyAt: number | null = null;
  #firstFrame = false;
  /**
   * The decoder waits for a keyframe since this time (null: it has pictures; NaN: since the next
   * packet, so a keyframe already in flight gets a chance first).
   */
  #needKeyframeSince: number | null = null;
  #lastKeyframeRequest = -Infinity;
  #audioLevel: number | null = null;
  #toneHz: number | null = null;
  #partner: MediaNotice = { video: true, audio: true, recording: false };
  #snapshotTaken: boolean;
  #dropVideo = 0;
  #dropVideoUntil = 0;
  #stopped = false;
  keyframeRequests = 0;

  constructor(c: MatchMediaConfig) {
    super();
    this.#c = c;
    const common = { ffmpeg: c.ffmpeg, platform: c.platform, supervisor: c.supervisor, clock: c.clock };
    this.videoSender =
      c.video.kind === 'none'
        ? null
        : new VideoSender({
            ...common,
            logger: c.logger.child('video-out'),
            source: c.video,
            codec: c.codec,
            width: c.sendSize.width,
            height: c.sendSize.height,
            fps: c.fps,
            bitrate: c.videoBitrate,
            ...(c.selfViewSize ? { selfViewSize: c.selfViewSize } : {}),
          });
    this.audioSender =
      c.audio.kind === 'none'
        ? null
        : new AudioSender({ ...common, logger: c.logger.child('audio-out'), source: c.audio });
    const rxCommon = { ...common, localAddr: c.localAddr };
    this.videoReceiver = new VideoReceiver({
      ...rxCommon,
      logger: c.logger.child('video-in'),
      codec: c.codec,
      size: c.receiveSize,
      fpsModeFlag: c.fpsModeFlag,
    });
    this.audioReceiver = new AudioReceiver({
      ...rxCommon,
      logger: c.logger.child('audio-in'),
      play: c.audioOut,
    });
    this.#recorder = c.recordPath
      ? new Recorder({ ...common, logger: c.logger.child('record'), path: c.recordPath, codec: c.codec })
      : null;
    this.#snapshotTaken = !c.snapshotPath;
    this.#monitor = new FrameMonitor({ freezeMs: c.freezeMs });
  }

  /** What we tell the stranger. */
  get recording(): boolean {
    return this.#recorder !== null;
  }

  /** Starts every process (before the peer connection is up, so media flows as soon as it is). */
  async start(): Promise<void> {
    if (this.#stopped) return;
    const c = this.#c;
    const report = (e: { code: string; message: string }): void => void this.emit('media-error', e);
    this.videoSender?.on('rtp', (p) => this.#link?.write('video', p));
    this.videoSender?.on('self-frame', (f) => this.emit('self-frame', f));
    this.videoSender?.on('error', report);
    this.audioSender?.on('rtp', (p) => this.#link?.write('audio', p));
    this.audioSender?.on('error', report);
    this.videoReceiver.on('frame', (f) => this.#onFrame(f));
    this.videoReceiver.on('started', () => {
      this.#needKeyframeSince = NaN;
      this.#lastKeyframeRequest = -Infinity;
    });
    this.videoReceiver.on('error', report);
    this.audioReceiver.on('block', (b) => {
      this.#audioLevel = b.levelDb;
      this.#toneHz = b.toneHz;
    });
    this.audioReceiver.on('error', report);
    this.#recorder?.on('error', report);
    this.#timers.push(c.clock.setInterval(() => this.#tick(), 100));
    this.#timers.push(c.clock.setInterval(() => this.#emitStats(), c.statsIntervalMs));
    await Promise.all([
      this.videoSender?.start(),
      this.audioSender?.start(),
      this.videoReceiver.start(),
      this.audioReceiver.start(),
      this.#recorder?.start(),
    ]);
  }

  /** A new peer connection (first or rebuilt): media moves to it. */
  attach(link: MediaLink): void {
    if (this.#link !== link) this.#link?.close();
    link.handlers = {
      remoteRtp: (kind, packet) => this.#onRemoteRtp(kind, packet),
      keyframeRequested: () => this.videoSender?.requestKeyframe(),
      remoteVideoCodec: (codec) => {
        void this.videoReceiver.setCodec(codec);
        this.videoSender?.setCodec(codec); // one codec both ways: what the negotiation picked
      },
    };
    this.#link = link;
    this.#needKeyframeSince = NaN;
  }

  /** The chat channel is open (first-frame time counts from here). */
  chatReady(): void {
    this.#chatReadyAt ??= this.#c.clock.now();
  }

  partnerNotice(n: MediaNotice): void {
    const prev = this.#partner;
    this.#partner = n;
    if (prev.video && !n.video) this.#monitor.reset();
    if (!prev.video && n.video) this.#needKeyframeSince = NaN;
  }

  async setVideo(on: boolean): Promise<void> {
    await this.videoSender?.setEnabled(on);
  }
  async setAudio(on: boolean): Promise<void> {
    await this.audioSender?.setEnabled(on);
  }
  /** Our own picture (`self-frame`) at this size, or none (null). */
  setSelfView(size: FrameSize | null): void {
    this.videoSender?.setSelfView(size);
  }
  async setReceiveSize(size: FrameSize): Promise<void> {
    await this.videoReceiver.resize(size);
  }

  /** Test hook: drop the stranger's next `n` video packets before the decoder. */
  dropVideoPackets(n: number): void {
    this.#dropVideo += n;
  }
  /** Test hook: drop the stranger's video packets for `ms` (a loss burst). */
  dropVideoFor(ms: number): void {
    this.#dropVideoUntil = this.#c.clock.now() + ms;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const t of this.#timers.splice(0)) this.#c.clock.clearInterval(t);
    this.#link?.close();
    this.#link = null;
    this.removeAllListeners();
    await Promise.all([
      this.videoSender?.stop(),
      this.audioSender?.stop(),
      this.videoReceiver.stop(),
      this.audioReceiver.stop(),
      this.#recorder?.stop(),
    ]);
  }

  #onRemoteRtp(kind: 'video' | 'audio', packet: Buffer): void {
    const now = this.#c.clock.now();
    if (kind === 'video') {
      if (this.#dropVideo > 0 || now < this.#dropVideoUntil) {
        if (this.#dropVideo > 0) this.#dropVideo--;
        return;
      }
    }
    const out = this.#rx[kind].rewrite(packet, now);
    if (!out) return;
    this.#recorder?.push(kind, out);
    if (kind === 'audio') return this.audioReceiver.push(out);
    // Loss: ask at once. A new decoder or connection: give the keyframe in flight a moment first.
    if (this.#gaps.observe(out.readUInt16BE(2)) > 0) this.#needKeyframeSince = -Infinity;
    this.videoReceiver.push(out);
    if (Number.isNaN(this.#needKeyframeSince)) this.#needKeyframeSince = now;
    const since = this.#needKeyframeSince;
    if (since !== null && now - since >= KEYFRAME_GRACE_MS) this.#requestKeyframe(now);
  }

  #requestKeyframe(now: number): void {
    if (now - this.#lastKeyframeRequest < KEYFRAME_REQUEST_MS) return;
    this.#lastKeyframeRequest = now;
    this.keyframeRequests++;
    this.#link?.requestKeyframe();
  }

  #onFrame(f: RgbFrame): void {
    const now = this.#c.clock.now();
    this.#needKeyframeSince = null;
    this.#emitAll(this.#monitor.onFrame(f, now, Date.now()));
    if (!this.#firstFrame) {
      this.#firstFrame = true;
      const ms = this.#chatReadyAt === null ? 0 : Math.max(0, now - this.#chatReadyAt);
      this.emit('first-frame', { ms, width: f.width, height: f.height });
    }
    if (!this.#snapshotTaken && this.#monitor.framesDecoded >= 3 && this.#c.snapshotPath) {
      this.#snapshotTaken = true;
      const { ffmpeg, supervisor, snapshotPath } = this.#c;
      takeSnapshot({ ffmpeg, supervisor, path: snapshotPath, frame: f }).catch((err: unknown) =>
        this.emit('media-error', { code: 'ERR_MEDIA_RECORD', message: `snapshot: ${String(err)}` }),
      );
    }
    this.emit('remote-frame', f);
  }

  #tick(): void {
    this.#emitAll(this.#monitor.tick(this.#c.clock.now(), this.#partner.video));
  }

  #emitAll(events: MonitorEvent[]): void {
    for (const e of events) {
      if (e.name === 'freeze' && !e.data.ended) this.#needKeyframeSince = -Infinity;
      this.emit(e.name, e.data as never);
    }
  }

  #emitStats(): void {
    const m = this.#monitor;
    this.emit('media-stats', {
      fps: m.takeFps(this.#c.clock.now()),
      width: m.width,
      height: m.height,
      framesDecoded: m.framesDecoded,
      audioLevelDb:
        this.#audioLevel === null || !Number.isFinite(this.#audioLevel)
          ? null
          : Math.round(this.#audioLevel * 10) / 10,
      toneHz: this.#toneHz,
      freezes: m.freezes,
      packetsLost: this.#gaps.lost,
      keyframeRequests: this.keyframeRequests,
      counter: m.counter,
      latencyMs: m.latencyMs,
    });
  }
}
