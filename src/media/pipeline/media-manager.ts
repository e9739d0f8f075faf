/**
 * The Session's media: finds ffmpeg once (and what it can do), then makes a {@link MatchMedia}
 * per stranger. Without a usable ffmpeg it says so once (`ERR_NO_FFMPEG`) and the session stays
 * text-only; it never throws.
 */
import { ErrorCodes } from '../../errors.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { SEND_DEFAULTS, type VideoCodec } from '../ffmpeg/args-send.js';
import { currentPlatform } from '../ffmpeg/devices.js';
import { resolveFfmpeg, type FfmpegResolution } from '../ffmpeg/resolve.js';
import { supervisor as processSupervisor, type ChildSupervisor } from '../ffmpeg/supervisor.js';
import { MatchMedia, type MatchMediaConfig } from './match-media.js';
import type { MediaOptions } from './media-types.js';
import { recordingPath } from './record.js';

export type MediaAvailability =
  | {
      ok: true;
      ffmpeg: string;
      version: string;
      config: Omit<MatchMediaConfig, 'logger' | 'clock' | 'supervisor'>;
    }
  | { ok: false; code: string; message: string };

export class MediaManager {
  readonly #opts: MediaOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #supervisor: ChildSupervisor;
  #ready: Promise<MediaAvailability> | null = null;
  #snapshotUsed = false;

  constructor(opts: MediaOptions, deps: { logger: Logger; clock: Clock; supervisor?: ChildSupervisor }) {
    this.#opts = opts;
    this.#log = deps.logger;
    this.#clock = deps.clock;
    this.#supervisor = deps.supervisor ?? processSupervisor;
  }

  /** Resolves (once) whether media works here and how. */
  ready(): Promise<MediaAvailability> {
    this.#ready ??= this.#resolve().catch((err: unknown) => ({
      ok: false as const,
      code: ErrorCodes.NO_FFMPEG,
      message: `media is off: ${err instanceof Error ? err.message : String(err)}`,
    }));
    return this.#ready;
  }

  /** The preferred video codec (for the peer connection's codec order). */
  get codec(): VideoCodec {
    return this.#opts.codec ?? SEND_DEFAULTS.videoCodec;
  }

  /** A MatchMedia for a new stranger, or null when media is unavailable. Not started. */
  async forMatch(matchId: string): Promise<MatchMedia | null> {
    const a = await this.ready();
    if (!a.ok) return null;
    const o = this.#opts;
    const snapshotPath = !this.#snapshotUsed ? o.snapshotPath : undefined;
    this.#snapshotUsed = true;
    return new MatchMedia({
      ...a.config,
      ...(o.recordDir ? { recordPath: recordingPath(o.recordDir, matchId, a.config.codec, new Date()) } : {}),
      ...(snapshotPath ? { snapshotPath } : {}),
      clock: this.#clock,
      logger: this.#log,
      supervisor: this.#supervisor,
    });
  }

  async #resolve(): Promise<MediaAvailability> {
    const o = this.#opts;
    const r: FfmpegResolution = await resolveFfmpeg({
      flag: o.ffmpegPath,
      env: o.env ?? process.env,
      probe: true,
    });
    if (!r.ok) return { ok: false, code: ErrorCodes.NO_FFMPEG, message: r.message };
    const caps = r.capabilities;
    let codec = this.codec;
    if (caps && codec === 'h264' && !caps.encoders.libx264) {
      this.#log.warn('this ffmpeg has no libx264: sending VP8');
      codec = 'vp8';
    }
    if (caps && !caps.encoders.libvpx && codec === 'vp8' && caps.encoders.libx264) codec = 'h264';
    this.#log.info('ffmpeg', { path: r.path, source: r.source, version: r.version });
    return {
      ok: true,
      ffmpeg: r.path,
      version: r.version,
      config: {
        ffmpeg: r.path,
        platform: currentPlatform(),
        fpsModeFlag: caps?.options.fpsMode ? 'fps_mode' : 'vsync',
        localAddr: caps?.options.sdpLocalAddr ?? false,
        video: o.video ?? { kind: 'none' },
        audio: o.audio ?? { kind: 'none' },
        codec,
        audioOut: o.audioOut ?? true,
        sendSize: o.sendSize ?? { width: SEND_DEFAULTS.width, height: SEND_DEFAULTS.height },
        fps: o.fps ?? SEND_DEFAULTS.fps,
        videoBitrate: o.videoBitrate ?? SEND_DEFAULTS.videoBitrate,
        receiveSize: o.receiveSize ?? { width: 320, height: 240 },
        ...(o.selfViewSize ? { selfViewSize: o.selfViewSize } : {}),
        freezeMs: o.freezeMs ?? 1000,
        statsIntervalMs: o.statsIntervalMs ?? 1000,
      },
    };
  }
}
