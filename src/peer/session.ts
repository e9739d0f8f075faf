/**
 * Session: the headless core every face drives (Ink UI, --json, demo stranger, bots, tests).
 *
 * It composes a SignalingClient (matchmaking, relay, resume) with one MatchConnection per stranger
 * (chat channel + the current werift peer connection), and owns the state machine:
 * idle → searching → connecting → connected → (reconnecting) → … → closed.
 */
import { ErrorCodes, RandchatError, toRandchatError } from '../errors.js';
import { SignalingClient, type WelcomeMessage } from '../signaling/client.js';
import {
  MAX_BLOCK_TAGS,
  MAX_REPORT_CHARS,
  type IceServer,
  type MatchInfo,
  type Role,
  type ServerMessage,
  type SignalData,
} from '../signaling/protocol.js';
import { systemClock, type Clock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { BlockStore, SessionOptions } from './session-options.js';
import type { FrameSize } from '../media/pipeline/media-types.js';
import type { MatchMedia } from '../media/pipeline/match-media.js';
import { MatchConnection } from './match-connection.js';
import { SessionMedia } from './session-media.js';
import { sanitizeText } from './sanitize.js';
import type { CandidateType, SessionCommands, SessionEvents, SessionState } from './session-events.js';

export type { BlockStore, SessionOptions } from './session-options.js';

type PartnerLeftReason = SessionEvents['partner-left'][0]['reason'];

/** After a failed peer connection, rebuild this many times before giving the stranger up. */
const MAX_AUTO_REBUILDS = 1;

export class Session extends TypedEmitter<SessionEvents> implements SessionCommands {
  readonly #opts: SessionOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #client: SignalingClient;
  #state: SessionState = 'idle';
  #match: MatchConnection | null = null;
  #autoRebuilds = 0;
  /** Signals produced while the signaling socket was down, flushed on resume. */
  #outbox: { matchId: string; gen: number; data: SignalData }[] = [];
  #rebuildRequested = false;
  #everWelcomed = false;
  /** The freshest ICE servers from the server (welcome, then matched/rebuild with new credentials). */
  #serverIce: IceServer[] = [];
  /** Block tag of the current stranger, kept after they leave (for /block, /report afterwards). */
  #peerTag: string | null = null;
  #hadStranger = false;
  readonly #media: SessionMedia | null;

  constructor(opts: SessionOptions) {
    super();
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#log = opts.logger ?? silentLogger;
    this.#client = new SignalingClient({
      url: opts.serverUrl,
      interests: opts.interests ?? [],
      clientName: opts.clientName ?? 'randchat',
      clock: this.#clock,
      logger: this.#log.child('signaling'),
      ...(opts.reconnectPolicy ? { policy: opts.reconnectPolicy } : {}),
      ...(opts.signalingPingMs ? { pingIntervalMs: opts.signalingPingMs } : {}),
      ...(opts.ca === undefined ? {} : { ca: opts.ca }),
      ...(opts.blockStore ? { helloExtras: () => blockHello(opts.blockStore!) } : {}),
    });
    this.#client.on('welcome', (w) => this.#onWelcome(w));
    this.#client.on('message', (m) => this.#onServerMessage(m));
    this.#client.on('down', () => this.#onSignalingDown());
    this.#client.on('reconnecting', ({ attempt, delayMs }) =>
      this.emit('reconnecting', { who: 'self', attempt, delayMs }),
    );
    this.#client.on('fatal', (err) => this.#onSignalingFatal(err));
    this.#media = opts.media
      ? new SessionMedia(opts.media, {
          logger: this.#log.child('media'),
          clock: this.#clock,
          emit: (name, ...args) => this.emit(name, ...(args as SessionEvents[typeof name])),
        })
      : null;
  }

  get state(): SessionState {
    return this.#state;
  }
  get matchId(): string | null {
    return this.#match?.matchId ?? null;
  }
  get role(): Role | null {
    return this.#match?.role ?? null;
  }
  /** Interests shared with the current stranger. */
  get interests(): string[] {
    return this.#match?.interests ?? [];
  }
  /** Whether the session searches again by itself when the stranger leaves. */
  get autoNext(): boolean {
    return this.#opts.autoNext ?? false;
  }
  get signalingUp(): boolean {
    return this.#client.isUp;
  }

  // ------------------------------------------------------------------ commands

  async start(): Promise<void> {
    if (this.#state === 'closed') throw closedError();
    if (this.#everWelcomed) return;
    this.#setState('searching');
    void this.#media?.init();
    try {
      await this.#client.connect();
    } catch (err) {
      if (this.#isClosed()) return; // stopped while connecting: nothing went wrong
      const e = toRandchatError(err, ErrorCodes.SIGNALING_UNREACHABLE);
      this.emit('error', { code: e.code, message: e.message, fatal: true });
      await this.#close();
      throw e;
    }
  }

  next(): void {
    if (this.#state === 'closed') return this.#emitError(closedError());
    const m = this.#match;
    if (m) {
      m.bye('skipped');
      this.#endMatch('you skipped');
      this.#client.send({ type: 'next' });
    } else {
      this.#client.send({ type: 'join' });
    }
    this.#setState('searching');
  }

  async reconnect(): Promise<void> {
    if (this.#state === 'closed') return this.#emitError(closedError());
    if (!this.#client.isUp) {
      this.emit('reconnecting', { who: 'self' });
      try {
        await this.#client.reconnectNow();
      } catch (err) {
        return this.#emitError(toRandchatError(err, ErrorCodes.SIGNALING_UNREACHABLE));
      }
    }
    const m = this.#match;
    if (!m) {
      return this.#emitError(
        new RandchatError(
          ErrorCodes.PARTNER_GONE,
          'No stranger to reconnect to. Type /next to meet someone new.',
        ),
      );
    }
    this.#rebuildRequested = true;
    this.#client.send({ type: 'rebuild', matchId: m.matchId });
  }

  send(text: string): string {
    if (this.#state === 'closed') throw closedError();
    const m = this.#match;
    if (!m) {
      throw new RandchatError(
        ErrorCodes.NO_PARTNER,
        'Not chatting with anyone yet. Type /next to find a stranger.',
      );
    }
    const { id, queued } = m.send(text);
    this.emit('sent', { id, text: sanitizeText(text), queued });
    return id;
  }

  typing(): void {
    if (this.#state === 'connected') this.#match?.typing();
  }

  /** Sends our video (true) or pauses it (the camera is released); the stranger sees "video paused". */
  setVideo(on: boolean): void {
    this.#media?.setVideo(on);
  }

  /** Mutes our audio (the microphone is released); the stranger sees "muted". */
  setMuted(muted: boolean): void {
    this.#media?.setMuted(muted);
  }

  /** Size the stranger's video is decoded to (the video pane); restarts the decoder. */
  setVideoSize(size: FrameSize): void {
    this.#media?.setReceiveSize(size);
  }

  /** Our own outgoing picture as `self-frame` events (the UI's self-view corner), or not. */
  setSelfView(on: boolean): void {
    this.#media?.setSelfView(on);
  }

  /** The current stranger's media pipeline, null without media (tests, benchmarks). */
  get media(): MatchMedia | null {
    return this.#media?.current ?? null;
  }

  /** Never meet the current (else the last) stranger again; skips them if still here. */
  block(): void {
    if (this.#state === 'closed') return this.#emitError(closedError());
    if (!this.#hadStranger) throw noStranger('block');
    this.#client.send({ type: 'block' });
    if (this.#peerTag !== null) this.#opts.blockStore?.add(this.#peerTag);
    if (this.#match) this.next();
  }

  /** Reports the current (else the last) stranger to the server's operator. */
  report(reason: string): void {
    if (this.#state === 'closed') return this.#emitError(closedError());
    if (!this.#hadStranger) throw noStranger('report');
    const text = reason.trim().slice(0, MAX_REPORT_CHARS);
    if (text === '') throw new RandchatError(ErrorCodes.BAD_COMMAND, 'say why: /report <reason>');
    if (!this.#client.send({ type: 'report', reason: text })) {
      throw new RandchatError(ErrorCodes.NOT_CONNECTED, 'the server is unreachable; try again soon');
    }
  }

  async stop(): Promise<void> {
    if (this.#state === 'closed') return;
    if (this.#match) {
      this.#match.bye('left');
      this.#endMatch('session closed');
    }
    await this.#close();
  }

  // ------------------------------------------------------------------ signaling

  #onWelcome(w: WelcomeMessage): void {
    this.#serverIce = w.iceServers;
    const first = !this.#everWelcomed;
    this.#everWelcomed = true;
    this.emit('signaling', { up: true });
    if (first) {
      this.#client.send({ type: 'join' });
      return;
    }
    this.emit('resumed', { who: 'self' });
    const m = this.#match;
    if (m && w.resumed && w.match?.matchId === m.matchId) {
      const outbox = this.#outbox.splice(0);
      for (const s of outbox) {
        if (s.matchId === m.matchId && s.gen === m.gen) this.#client.send({ type: 'signal', ...s });
      }
      if (w.match.gen !== m.gen) this.#rebuild(w.match.gen, w.match.role);
      return;
    }
    this.#outbox = [];
    if (m && w.resumed) {
      // The server ended our match while we were away.
      return this.#partnerGone('disconnected', { tellServer: false });
    }
    if (m && !w.resumed && !m.isOpen) {
      return this.#partnerGone('disconnected', { tellServer: false });
    }
    // Not matched (or chatting peer-to-peer with a pair the server forgot): queue again if searching.
    if (this.#state === 'searching') this.#client.send({ type: 'join' });
  }

  #onSignalingDown(): void {
    this.emit('signaling', { up: false });
  }

  #onSignalingFatal(err: RandchatError): void {
    const chatting = this.#state === 'connected';
    this.emit('error', { code: err.code, message: err.message, fatal: !chatting });
    if (!chatting) void this.#close();
  }

  #onServerMessage(msg: Exclude<ServerMessage, { type: 'welcome' | 'pong' }>): void {
    const m = this.#match;
    switch (msg.type) {
      case 'queued':
        if (!m) this.#setState('searching');
        return;
      case 'matched':
        if (msg.iceServers) this.#serverIce = msg.iceServers;
        this.#peerTag = msg.peerTag ?? null;
        this.#hadStranger = true;
        return this.#beginMatch(msg);
      case 'signal':
        if (!m || msg.matchId !== m.matchId || !m.handleSignal(msg.gen, msg.data)) {
          this.#log.debug('dropping stale signal', { matchId: msg.matchId, gen: msg.gen });
        }
        return;
      case 'rebuild':
        if (msg.iceServers) this.#serverIce = msg.iceServers;
        if (m && msg.matchId === m.matchId) this.#rebuild(msg.gen, msg.role);
        return;
      case 'partner-reconnecting':
        if (m && msg.matchId === m.matchId) this.emit('reconnecting', { who: 'partner' });
        return;
      case 'partner-resumed':
        if (m && msg.matchId === m.matchId) this.emit('resumed', { who: 'partner' });
        return;
      case 'partner-left':
        if (m && msg.matchId === m.matchId) this.#partnerGone(msg.reason, { tellServer: false });
        return;
      case 'error':
        if (msg.ref === 'rebuild') this.#rebuildRequested = false;
        this.emit('error', { code: msg.code, message: msg.message, fatal: false });
        return;
      case 'shutdown':
        this.#log.info('signaling server is shutting down', { reason: msg.reason });
        return;
      default: {
        const never: never = msg;
        this.#log.warn('unhandled server message', { msg: never });
      }
    }
  }

  // ------------------------------------------------------------------ match lifecycle

  #beginMatch(info: MatchInfo): void {
    if (this.#match) this.#endMatch('rematched');
    const { matchId } = info;
    const m = new MatchConnection({
      info,
      iceServers: this.#opts.iceServers ?? this.#serverIce,
      loopbackOnly: this.#opts.loopbackOnly ?? false,
      ...(this.#opts.relayOnly ? { relayOnly: true } : {}),
      clock: this.#clock,
      logger: this.#log.child('peer'),
      ...pick(this.#opts, ['heartbeatMs', 'partnerTimeoutMs', 'peerConnectTimeoutMs']),
      sendSignal: (gen, data) => {
        if (!this.#client.send({ type: 'signal', matchId, gen, data }))
          this.#outbox.push({ matchId, gen, data });
      },
      ...(this.#media ? { peerHooks: this.#media.beginMatch(matchId) } : {}),
    });
    if (this.#media) {
      const media = this.#media;
      media.sendNotice = (n) => m.media(n);
      m.media(media.notice());
      m.on('media', (n) => media.partnerNotice(n));
    }
    this.#match = m;
    this.#autoRebuilds = 0;
    m.on('open', (o) => this.#onOpen(m, o));
    m.on('message', (msg) => this.emit('message', msg));
    m.on('delivered', (d) => this.emit('delivered', d));
    m.on('typing', () => this.emit('typing'));
    m.on('stats', (s) => this.#state === 'connected' && this.emit('stats', s));
    m.on('gone', ({ reason }) => {
      // A heartbeat gap while a rebuild is under way is expected, not a departure.
      if (reason === 'timeout' && this.#state !== 'connected') return;
      this.#partnerGone(reason, { tellServer: true });
    });
    m.on('failed', (err) => this.#onFailed(m, err));
    this.emit('matched', { matchId, role: info.role, interests: info.interests });
    this.#setState('connecting');
    m.start();
  }

  #onOpen(
    m: MatchConnection,
    o: { setupMs: number; candidateType: CandidateType; firstOpen: boolean },
  ): void {
    this.#autoRebuilds = 0;
    this.#setState('connected');
    if (!o.firstOpen) this.emit('resumed', { who: this.#rebuildRequested ? 'self' : 'partner' });
    this.#rebuildRequested = false;
    this.#media?.chatReady();
    this.emit('connected', { matchId: m.matchId, setupMs: o.setupMs, candidateType: o.candidateType });
  }

  /** The peer connection could not be established: rebuild once through the server, then give up. */
  #onFailed(m: MatchConnection, err: RandchatError): void {
    this.emit('error', { code: err.code, message: err.message, fatal: false });
    if (this.#autoRebuilds < MAX_AUTO_REBUILDS && this.#client.isUp) {
      this.#autoRebuilds++;
      this.#rebuildRequested = true;
      this.#client.send({ type: 'rebuild', matchId: m.matchId });
      return;
    }
    this.#partnerGone('failed', { tellServer: true });
  }

  #rebuild(gen: number, role: Role): void {
    const m = this.#match;
    if (!m) return;
    m.rebuild(gen, role, this.#opts.iceServers ?? this.#serverIce);
    this.#setState('reconnecting');
    this.emit('reconnecting', { who: this.#rebuildRequested ? 'self' : 'partner' });
  }

  #partnerGone(reason: PartnerLeftReason, opts: { tellServer: boolean }): void {
    const m = this.#match;
    if (!m) return;
    this.#endMatch('stranger left');
    this.emit('partner-left', { matchId: m.matchId, reason });
    if (opts.tellServer) this.#client.send({ type: 'leave' });
    if (this.#opts.autoNext) {
      this.#client.send({ type: 'join' });
      this.#setState('searching');
    } else {
      this.#setState('idle');
    }
  }

  /** Tears the current match down, reporting messages that never reached the stranger. */
  #endMatch(reason: string): void {
    const m = this.#match;
    this.#match = null;
    this.#outbox = [];
    this.#rebuildRequested = false;
    if (this.#media) this.#media.sendNotice = null;
    this.#media?.endMatch();
    const ids = m?.close() ?? [];
    if (ids.length > 0) this.emit('undelivered', { ids, reason });
  }

  async #close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#setState('closed');
    await Promise.all([this.#client.close(), this.#media?.close()]);
  }

  /** (A method, so TypeScript does not narrow the state across an await.) */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #setState(state: SessionState): void {
    const prev = this.#state;
    if (prev === state || prev === 'closed') return;
    this.#state = state;
    this.emit('state', { state, prev });
  }

  #emitError(err: RandchatError): void {
    this.emit('error', { code: err.code, message: err.message, fatal: false });
  }
}

function noStranger(what: string): RandchatError {
  return new RandchatError(ErrorCodes.NO_STRANGER, `No stranger to ${what} yet.`);
}

function blockHello(store: BlockStore): { identity: string; blockTags: string[] } {
  return { identity: store.identity, blockTags: store.tags().slice(-MAX_BLOCK_TAGS) };
}

function closedError(): RandchatError {
  return new RandchatError(ErrorCodes.SESSION_CLOSED, 'this session is closed');
}

/** Copies the defined options named in `keys`. */
function pick<T extends object, K extends keyof T>(obj: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}
