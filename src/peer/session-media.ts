/**
 * The Session's media glue: one {@link MatchMedia} per stranger, moved onto every peer-connection
 * generation, our media notice to the stranger and theirs to the faces. Media never ends the
 * chat: every failure becomes a `media-error` event.
 */
import { useH264, useOPUS, useVP8 } from 'werift';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { MatchMedia } from '../media/pipeline/match-media.js';
import { MediaLink } from '../media/pipeline/media-link.js';
import { MediaManager } from '../media/pipeline/media-manager.js';
import type { FrameSize, MediaEvents, MediaNotice, MediaOptions } from '../media/pipeline/media-types.js';
import type { PeerLinkOptions } from './peer-link.js';

type Emit = <K extends keyof MediaEvents & string>(name: K, ...args: MediaEvents[K]) => void;
type PeerHooks = Pick<PeerLinkOptions, 'prepare' | 'onPeerConnection' | 'pendingRtp' | 'codecs'>;

interface Slot {
  media: MatchMedia | null;
  link: MediaLink | null;
  created: Promise<MatchMedia | null>;
  ended: boolean;
}

/** Size of `self-frame` pictures when the `selfViewSize` option is not set. */
export const DEFAULT_SELF_VIEW_SIZE: FrameSize = { width: 160, height: 120 };

/** Events MatchMedia emits that the Session passes on unchanged. */
const FORWARDED = [
  'remote-frame',
  'self-frame',
  'first-frame',
  'media-stats',
  'freeze',
  'black-frame',
  'frozen-picture',
  'media-error',
] as const;

export class SessionMedia {
  readonly #opts: MediaOptions;
  readonly #mgr: MediaManager;
  readonly #emit: Emit;
  readonly #log: Logger;
  #slot: Slot | null = null;
  #available: boolean | null = null;
  #videoOn = true;
  #muted = false;
  #receiveSize: FrameSize | null = null;
  #selfView: FrameSize | null;
  #partner: MediaNotice | null = null;
  readonly #stopping = new Set<Promise<void>>();
  /** Sends our notice to the current stranger (set by the Session per match). */
  sendNotice: ((n: MediaNotice) => void) | null = null;

  constructor(opts: MediaOptions, deps: { logger: Logger; clock: Clock; emit: Emit }) {
    this.#opts = opts;
    this.#log = deps.logger;
    this.#emit = deps.emit;
    this.#selfView = opts.selfViewSize ?? null;
    this.#mgr = new MediaManager(opts, { logger: deps.logger, clock: deps.clock });
  }

  /** The current stranger's media (tests, benchmarks). */
  get current(): MatchMedia | null {
    return this.#slot?.media ?? null;
  }
  get videoOn(): boolean {
    return this.#videoOn;
  }
  get muted(): boolean {
    return this.#muted;
  }

  /** Finds ffmpeg (once); reports `ERR_NO_FFMPEG` when there is none. Never rejects. */
  async init(): Promise<void> {
    const a = await this.#mgr.ready();
    this.#available = a.ok;
    if (!a.ok) this.#emit('media-error', { code: a.code, message: a.message });
    this.sendNotice?.(this.notice());
  }

  /** What we send now. */
  notice(): MediaNotice {
    const on = this.#available !== false;
    return {
      video: on && (this.#opts.video?.kind ?? 'none') !== 'none' && this.#videoOn,
      audio: on && (this.#opts.audio?.kind ?? 'none') !== 'none' && !this.#muted,
      recording: on && this.#opts.recordDir !== undefined,
    };
  }

  /** A new stranger: starts their MatchMedia; returns the hooks for each peer-connection generation. */
  beginMatch(matchId: string): (gen: number) => PeerHooks {
    this.endMatch();
    this.#partner = null;
    const slot: Slot = { media: null, link: null, created: Promise.resolve(null), ended: false };
    slot.created = this.#mgr.forMatch(matchId).then((mm) => {
      if (!mm || slot.ended) return null;
      slot.media = mm;
      for (const name of FORWARDED) mm.on(name, (...args) => this.#emit(name, ...(args as [never])));
      if (slot.link) mm.attach(slot.link);
      void this.#apply(mm).catch((err: unknown) => this.#error(`media failed to start: ${String(err)}`));
      return mm;
    });
    this.#slot = slot;
    const preferred = this.#mgr.codec === 'h264' ? [useH264(), useVP8()] : [useVP8(), useH264()];
    return () => ({
      pendingRtp: true,
      codecs: { video: preferred, audio: [useOPUS()] },
      onPeerConnection: (pc) => {
        if (slot.ended) return;
        slot.link?.close();
        slot.link = new MediaLink(pc);
        slot.media?.attach(slot.link);
      },
      prepare: async (pc) => {
        const mm = await slot.created;
        const link = slot.link;
        if (!mm || slot.ended || !link || link.pc !== pc) return;
        link.prepare(pc.remoteDescription ? 'answerer' : 'offerer');
      },
    });
  }

  /** The chat channel is open. */
  chatReady(): void {
    this.#slot?.media?.chatReady();
  }

  /** The stranger's notice: passed to the faces as `partner-media` / `partner-recording` when it changes. */
  partnerNotice(n: MediaNotice): void {
    const prev = this.#partner;
    this.#partner = n;
    this.#slot?.media?.partnerNotice(n);
    if (!prev || prev.video !== n.video || prev.audio !== n.audio)
      this.#emit('partner-media', { video: n.video, audio: n.audio });
    if ((prev?.recording ?? false) !== n.recording)
      this.#emit('partner-recording', { recording: n.recording });
  }

  setVideo(on: boolean): void {
    this.#videoOn = on;
    void this.#slot?.media?.setVideo(on);
    this.sendNotice?.(this.notice());
  }

  setMuted(muted: boolean): void {
    this.#muted = muted;
    void this.#slot?.media?.setAudio(!muted);
    this.sendNotice?.(this.notice());
  }

  /** Emit `self-frame` (our outgoing picture) at the `selfViewSize` option (else 160×120), or stop. */
  setSelfView(on: boolean): void {
    this.#selfView = on ? { ...(this.#opts.selfViewSize ?? DEFAULT_SELF_VIEW_SIZE) } : null;
    this.#slot?.media?.setSelfView(this.#selfView);
  }

  setReceiveSize(size: FrameSize): void {
    this.#receiveSize = { ...size };
    void this.#slot?.media?.setReceiveSize(size);
  }

  /** The stranger is gone: stop every process of their MatchMedia (in the background). */
  endMatch(): void {
    const slot = this.#slot;
    this.#slot = null;
    if (!slot) return;
    slot.ended = true;
    slot.link?.close();
    const p = slot.created.then((mm) => (mm ?? slot.media)?.stop()).catch(() => undefined);
    this.#stopping.add(p);
    void p.then(() => this.#stopping.delete(p));
  }

  /** Ends the match and waits until every ffmpeg child has exited. */
  async close(): Promise<void> {
    this.endMatch();
    await Promise.all([...this.#stopping]);
  }

  async #apply(mm: MatchMedia): Promise<void> {
    if (this.#receiveSize) await mm.setReceiveSize(this.#receiveSize);
    mm.setSelfView(this.#selfView);
    await mm.start();
    if (!this.#videoOn) await mm.setVideo(false);
    if (this.#muted) await mm.setAudio(false);
    if (this.#partner) mm.partnerNotice(this.#partner);
  }

  #error(message: string): void {
    this.#log.warn(message);
    this.#emit('media-error', { code: 'ERR_MEDIA_ENCODER', message });
  }
}
