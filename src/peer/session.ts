/**
 * Session: the headless core every face drives (Ink UI, --json, demo stranger, bots, tests).
 *
 * It composes a SignalingClient (matchmaking, relay, resume), one PeerLink per match generation
 * (werift RTCPeerConnection + one data channel) and one ChatChannel per match (ids, acks, queue,
 * typing, heartbeat, bye). States: idle → searching → connecting → connected → (reconnecting) → … → closed.
 */
import { ErrorCodes, RandchatError, toRandchatError } from '../errors.js';
import { SignalingClient, type WelcomeMessage } from '../signaling/client.js';
import type {
  IceServer,
  LeaveReason,
  MatchInfo,
  Role,
  ServerMessage,
  SignalData,
} from '../signaling/protocol.js';
import type { ReconnectPolicy } from '../signaling/reconnect-policy.js';
import { systemClock, type Clock, type Timer } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { ChatChannel } from './chat-channel.js';
import { PeerLink } from './peer-link.js';
import { sanitizeText } from './sanitize.js';
import type { SessionCommands, SessionEvents, SessionState } from './session-events.js';

export interface SessionOptions {
  serverUrl: string;
  interests?: string[];
  /** ICE servers to use instead of the ones the signaling server hands out. */
  iceServers?: IceServer[];
  /** Bind ICE to 127.0.0.1 only (tests, benchmarks, the demo). */
  loopbackOnly?: boolean;
  /** Search again by itself when the stranger leaves. */
  autoNext?: boolean;
  clientName?: string;
  clock?: Clock;
  logger?: Logger;
  reconnectPolicy?: ReconnectPolicy;
  /** Chat heartbeat interval and how long silence means the partner is gone (ms). */
  heartbeatMs?: number;
  partnerTimeoutMs?: number;
  /** Signaling app-heartbeat interval (ms). */
  signalingPingMs?: number;
  /** How long a peer connection may take to open (ms). */
  peerConnectTimeoutMs?: number;
}

type PartnerLeftReason = SessionEvents['partner-left'][0]['reason'];
type LiveMatch = MatchInfo & {
  matchedAt: number;
  genStartedAt: number;
  opened: boolean;
  autoRebuilds: number;
};

const STATS_INTERVAL_MS = 1000;
const MAX_AUTO_REBUILDS = 1;

export class Session extends TypedEmitter<SessionEvents> implements SessionCommands {
  readonly #opts: SessionOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #client: SignalingClient;
  #state: SessionState = 'idle';
  #match: LiveMatch | null = null;
  #link: PeerLink | null = null;
  #chat: ChatChannel | null = null;
  #statsTimer: Timer | undefined;
  /** Signals produced while the signaling socket was down, flushed on resume. */
  #outbox: { matchId: string; gen: number; data: SignalData }[] = [];
  #rebuildRequested = false;
  #everWelcomed = false;

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
    });
    this.#client.on('welcome', (w) => this.#onWelcome(w));
    this.#client.on('message', (m) => this.#onServerMessage(m));
    this.#client.on('down', () => this.#onSignalingDown());
    this.#client.on('reconnecting', ({ attempt, delayMs }) =>
      this.emit('reconnecting', { who: 'self', attempt, delayMs }),
    );
    this.#client.on('fatal', (err) => this.#onSignalingFatal(err));
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
  get signalingUp(): boolean {
    return this.#client.isUp;
  }

  // ------------------------------------------------------------------ commands

  async start(): Promise<void> {
    if (this.#state === 'closed') throw closedError();
    if (this.#everWelcomed) return;
    this.#setState('searching');
    try {
      await this.#client.connect();
    } catch (err) {
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
      this.#chat?.bye('skipped');
      this.#endMatch({ reason: 'you skipped' });
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
    const chat = this.#chat;
    if (!this.#match || !chat) {
      throw new RandchatError(
        ErrorCodes.NO_PARTNER,
        'Not chatting with anyone yet. Type /next to find a stranger.',
      );
    }
    const id = chat.send(text);
    this.emit('sent', { id, text: sanitizeText(text), queued: !this.#link?.isOpen });
    return id;
  }

  typing(): void {
    if (this.#state === 'connected') this.#chat?.typing();
  }

  async stop(): Promise<void> {
    if (this.#state === 'closed') return;
    if (this.#match) {
      this.#chat?.bye('left');
      this.#endMatch({ reason: 'session closed' });
    }
    await this.#close();
  }

  // ------------------------------------------------------------------ signaling

  #onWelcome(w: WelcomeMessage): void {
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
    if (m && !w.resumed && !this.#link?.isOpen) {
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
        return this.#beginMatch(msg);
      case 'signal':
        if (m && msg.matchId === m.matchId && msg.gen === m.gen) {
          void this.#link?.handleRemoteSignal(msg.data);
        } else {
          this.#log.debug('dropping stale signal', { matchId: msg.matchId, gen: msg.gen });
        }
        return;
      case 'rebuild':
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
    if (this.#match) this.#endMatch({ reason: 'rematched' });
    const now = this.#clock.now();
    this.#match = { ...info, matchedAt: now, genStartedAt: now, opened: false, autoRebuilds: 0 };
    this.#chat = this.#newChat();
    this.emit('matched', { matchId: info.matchId, role: info.role, interests: info.interests });
    this.#setState('connecting');
    this.#newLink();
  }

  #newChat(): ChatChannel {
    const chat = new ChatChannel({
      clock: this.#clock,
      ...(this.#opts.heartbeatMs ? { heartbeatMs: this.#opts.heartbeatMs } : {}),
      ...(this.#opts.partnerTimeoutMs ? { partnerTimeoutMs: this.#opts.partnerTimeoutMs } : {}),
    });
    chat.on('message', ({ id, text }) => this.emit('message', { id, text: sanitizeText(text) }));
    chat.on('delivered', ({ id }) => this.emit('delivered', { id }));
    chat.on('typing', () => this.emit('typing'));
    chat.on('bye', ({ reason }) =>
      this.#ifCurrentChat(chat, () => this.#partnerGone(reason, { tellServer: true })),
    );
    chat.on('timeout', () =>
      this.#ifCurrentChat(chat, () => {
        if (this.#state === 'connected') this.#partnerGone('timeout', { tellServer: true });
      }),
    );
    chat.on('protocol-error', (e) => this.#log.debug('bad frame from stranger', { ...e }));
    return chat;
  }

  #ifCurrentChat(chat: ChatChannel, fn: () => void): void {
    if (this.#chat === chat) fn();
  }

  #newLink(): void {
    const m = this.#match;
    if (!m) return;
    const { matchId, gen } = m;
    const link = new PeerLink({
      role: m.role,
      iceServers: this.#opts.iceServers ?? this.#client.welcome?.iceServers ?? [],
      loopbackOnly: this.#opts.loopbackOnly ?? false,
      clock: this.#clock,
      logger: this.#log.child('peer'),
      ...(this.#opts.peerConnectTimeoutMs ? { connectTimeoutMs: this.#opts.peerConnectTimeoutMs } : {}),
      sendSignal: (data) => {
        if (!this.#client.send({ type: 'signal', matchId, gen, data }))
          this.#outbox.push({ matchId, gen, data });
      },
    });
    this.#link = link;
    const current = (): boolean => this.#link === link;
    link.on('message', (text) => current() && this.#chat?.receive(text));
    link.on('open', () => current() && this.#onLinkOpen(link));
    link.on('close', (reason) => {
      if (!current()) return;
      this.#log.debug('data channel closed', { reason });
      this.#partnerGone('disconnected', { tellServer: true });
    });
    link.on('failed', (err) => current() && this.#onLinkFailed(err));
    link.start().catch((err: unknown) => current() && this.#onLinkFailed(toRandchatError(err)));
  }

  #onLinkOpen(link: PeerLink): void {
    const m = this.#match;
    const chat = this.#chat;
    if (!m || !chat) return;
    const now = this.#clock.now();
    const firstOpen = !m.opened;
    m.opened = true;
    m.autoRebuilds = 0;
    chat.attach({ send: (text) => link.send(text) });
    this.#setState('connected');
    if (!firstOpen) this.emit('resumed', { who: this.#rebuildRequested ? 'self' : 'partner' });
    this.#rebuildRequested = false;
    this.emit('connected', {
      matchId: m.matchId,
      setupMs: now - (firstOpen ? m.matchedAt : m.genStartedAt),
      candidateType: link.candidateType(),
    });
    this.#startStats();
  }

  #onLinkFailed(err: RandchatError): void {
    const m = this.#match;
    if (!m) return;
    this.emit('error', { code: err.code, message: err.message, fatal: false });
    if (m.autoRebuilds < MAX_AUTO_REBUILDS && this.#client.isUp) {
      m.autoRebuilds++;
      this.#rebuildRequested = true;
      this.#client.send({ type: 'rebuild', matchId: m.matchId });
      return;
    }
    this.#partnerGone('failed', { tellServer: true });
  }

  #rebuild(gen: number, role: Role): void {
    const m = this.#match;
    if (!m) return;
    m.gen = gen;
    m.role = role;
    m.genStartedAt = this.#clock.now();
    this.#stopStats();
    this.#chat?.detach();
    const old = this.#link;
    this.#link = null;
    void old?.close();
    this.#setState('reconnecting');
    this.emit('reconnecting', { who: this.#rebuildRequested ? 'self' : 'partner' });
    this.#newLink();
  }

  #partnerGone(reason: PartnerLeftReason | LeaveReason, opts: { tellServer: boolean }): void {
    const m = this.#match;
    if (!m) return;
    this.#endMatch({ reason: 'stranger left' });
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
  #endMatch({ reason }: { reason: string }): void {
    const chat = this.#chat;
    const link = this.#link;
    this.#match = null;
    this.#chat = null;
    this.#link = null;
    this.#outbox = [];
    this.#rebuildRequested = false;
    this.#stopStats();
    if (chat) {
      const ids = chat.takeUndelivered().map((p) => p.id);
      chat.close();
      if (ids.length > 0) this.emit('undelivered', { ids, reason });
    }
    void link?.close();
  }

  #startStats(): void {
    this.#stopStats();
    this.#statsTimer = this.#clock.setInterval(() => {
      const link = this.#link;
      if (!link || this.#state !== 'connected') return;
      this.emit('stats', { rttMs: this.#chat?.rttMs ?? null, candidateType: link.candidateType() });
    }, STATS_INTERVAL_MS);
  }

  #stopStats(): void {
    this.#clock.clearInterval(this.#statsTimer);
    this.#statsTimer = undefined;
  }

  async #close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#stopStats();
    this.#setState('closed');
    await this.#client.close();
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

function closedError(): RandchatError {
  return new RandchatError(ErrorCodes.SESSION_CLOSED, 'this session is closed');
}
