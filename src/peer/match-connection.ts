/**
 * MatchConnection: everything about one stranger. It owns the match's ChatChannel (which lives as
 * long as the match, so unacknowledged messages survive a rebuild) and the current PeerLink
 * generation (replaced on every `rebuild`, since werift's ICE restart is unreliable).
 *
 * It reports what the peer-to-peer side learns (open, gone, failed) and leaves every decision that
 * involves the signaling server to the Session.
 */
import type { RandchatError } from '../errors.js';
import { toRandchatError } from '../errors.js';
import type { IceServer, MatchInfo, Role, SignalData } from '../signaling/protocol.js';
import type { Clock, Timer } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { ChatChannel } from './chat-channel.js';
import { PeerLink, type PeerLinkOptions } from './peer-link.js';
import { sanitizeText } from './sanitize.js';
import type { CandidateType, ChatMessage } from './session-events.js';

export interface MatchConnectionOptions {
  info: MatchInfo;
  iceServers: IceServer[];
  loopbackOnly: boolean;
  /** Media and chat only through TURN (see PeerLinkOptions.relayOnly). */
  relayOnly?: boolean;
  clock: Clock;
  logger: Logger;
  /** Sends a signal for generation `gen` to the partner (through the server). */
  sendSignal(gen: number, data: SignalData): void;
  heartbeatMs?: number;
  partnerTimeoutMs?: number;
  peerConnectTimeoutMs?: number;
  statsIntervalMs?: number;
  /** Media hooks for each peer-connection generation (tracks, codecs, early RTP). */
  peerHooks?: (
    gen: number,
  ) => Pick<PeerLinkOptions, 'prepare' | 'onPeerConnection' | 'pendingRtp' | 'codecs'>;
}

/** Why the peer-to-peer side believes the stranger is gone. */
export type GoneReason = 'skipped' | 'left' | 'disconnected' | 'timeout';

export type MatchConnectionEvents = {
  /** The data channel of the current generation is open. `setupMs` counts from match or rebuild. */
  open: [{ setupMs: number; candidateType: CandidateType; firstOpen: boolean }];
  message: [ChatMessage];
  delivered: [{ id: string }];
  typing: [];
  gone: [{ reason: GoneReason }];
  /** The current generation could not connect (ICE failure or timeout). */
  failed: [RandchatError];
  stats: [{ rttMs: number | null; candidateType: CandidateType }];
  /** The stranger's media notice. */
  media: [{ video: boolean; audio: boolean; recording: boolean }];
};

export class MatchConnection extends TypedEmitter<MatchConnectionEvents> {
  readonly matchId: string;
  readonly interests: string[];
  readonly #opts: MatchConnectionOptions;
  readonly #chat: ChatChannel;
  readonly #matchedAt: number;
  #gen: number;
  #role: Role;
  #genStartedAt: number;
  #link: PeerLink | null = null;
  #opened = false;
  #closed = false;
  #statsTimer: Timer | undefined;
  /** The freshest ICE servers (TURN credentials are re-issued with every rebuild). */
  #iceServers: IceServer[];

  constructor(opts: MatchConnectionOptions) {
    super();
    this.#opts = opts;
    this.matchId = opts.info.matchId;
    this.interests = opts.info.interests;
    this.#gen = opts.info.gen;
    this.#role = opts.info.role;
    this.#iceServers = opts.iceServers;
    this.#matchedAt = this.#genStartedAt = opts.clock.now();
    this.#chat = this.#newChat();
  }

  get gen(): number {
    return this.#gen;
  }
  get role(): Role {
    return this.#role;
  }
  /** The chat channel of the current generation is open. */
  get isOpen(): boolean {
    return this.#link?.isOpen ?? false;
  }

  /** Builds the first peer connection. */
  start(): void {
    this.#newLink();
  }

  /** A signal from the partner; ignored unless it belongs to the current generation. */
  handleSignal(gen: number, data: SignalData): boolean {
    if (gen !== this.#gen || !this.#link) return false;
    void this.#link.handleRemoteSignal(data);
    return true;
  }

  /** Replaces the peer connection with a new one for generation `gen` (with fresher ICE servers if given). */
  rebuild(gen: number, role: Role, iceServers?: IceServer[]): void {
    if (this.#closed) return;
    if (iceServers) this.#iceServers = iceServers;
    this.#gen = gen;
    this.#role = role;
    this.#genStartedAt = this.#opts.clock.now();
    this.#stopStats();
    this.#chat.detach();
    void this.#link?.close();
    this.#link = null;
    this.#newLink();
  }

  /** Queues or sends a chat message; throws RandchatError for empty or over-long text. */
  send(text: string): { id: string; queued: boolean } {
    const queued = !this.isOpen;
    return { id: this.#chat.send(text), queued };
  }

  typing(): void {
    this.#chat.typing();
  }

  /** Tells the stranger what we send (repeated on every new connection generation). */
  media(notice: { video: boolean; audio: boolean; recording: boolean }): void {
    this.#chat.media(notice);
  }

  /** Tells the stranger, over the data channel, why we are leaving (best effort). */
  bye(reason: 'skipped' | 'left'): void {
    this.#chat.bye(reason);
  }

  /** Closes everything; returns the ids of messages the stranger never acknowledged. Idempotent. */
  close(): string[] {
    if (this.#closed) return [];
    this.#closed = true;
    this.#stopStats();
    const undelivered = this.#chat.takeUndelivered().map((p) => p.id);
    this.#chat.close();
    void this.#link?.close();
    this.#link = null;
    this.removeAllListeners();
    return undelivered;
  }

  #newChat(): ChatChannel {
    const { heartbeatMs, partnerTimeoutMs, clock } = this.#opts;
    const chat = new ChatChannel({
      clock,
      ...(heartbeatMs ? { heartbeatMs } : {}),
      ...(partnerTimeoutMs ? { partnerTimeoutMs } : {}),
    });
    chat.on('message', ({ id, text }) => this.emit('message', { id, text: sanitizeText(text) }));
    chat.on('delivered', (d) => this.emit('delivered', d));
    chat.on('typing', () => this.emit('typing'));
    chat.on('media', (n) => this.emit('media', n));
    chat.on('bye', ({ reason }) => this.emit('gone', { reason }));
    chat.on('timeout', () => this.emit('gone', { reason: 'timeout' }));
    chat.on('protocol-error', (e) => this.#opts.logger.debug('bad frame from stranger', { ...e }));
    return chat;
  }

  #newLink(): void {
    const { clock, logger, sendSignal, peerConnectTimeoutMs } = this.#opts;
    const gen = this.#gen;
    const link = new PeerLink({
      role: this.#role,
      iceServers: this.#iceServers,
      loopbackOnly: this.#opts.loopbackOnly,
      ...(this.#opts.relayOnly ? { relayOnly: true } : {}),
      clock,
      logger,
      ...(peerConnectTimeoutMs ? { connectTimeoutMs: peerConnectTimeoutMs } : {}),
      sendSignal: (data) => sendSignal(gen, data),
      ...this.#opts.peerHooks?.(gen),
    });
    this.#link = link;
    const current = (): boolean => this.#link === link && !this.#closed;
    link.on('message', (text) => current() && this.#chat.receive(text));
    link.on('open', () => current() && this.#onOpen(link));
    link.on('close', (reason) => {
      if (!current()) return;
      logger.debug('data channel closed', { reason });
      this.emit('gone', { reason: 'disconnected' });
    });
    link.on('failed', (err) => current() && this.emit('failed', err));
    link.start().catch((err: unknown) => current() && this.emit('failed', toRandchatError(err)));
  }

  #onOpen(link: PeerLink): void {
    const now = this.#opts.clock.now();
    const firstOpen = !this.#opened;
    this.#opened = true;
    this.#chat.attach({ send: (text) => link.send(text) });
    this.#startStats(link);
    this.emit('open', {
      setupMs: now - (firstOpen ? this.#matchedAt : this.#genStartedAt),
      candidateType: link.candidateType(),
      firstOpen,
    });
  }

  #startStats(link: PeerLink): void {
    this.#stopStats();
    this.#statsTimer = this.#opts.clock.setInterval(() => {
      if (this.#link !== link || !link.isOpen) return;
      this.emit('stats', { rttMs: this.#chat.rttMs, candidateType: link.candidateType() });
    }, this.#opts.statsIntervalMs ?? 1000);
  }

  #stopStats(): void {
    this.#opts.clock.clearInterval(this.#statsTimer);
    this.#statsTimer = undefined;
  }
}
