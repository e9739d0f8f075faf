/**
 * One werift RTCPeerConnection with exactly one data channel ("chat", created in-band by the offerer),
 * negotiated with trickle ICE through an injected `sendSignal` callback.
 *
 * - Local candidates are sent as they are gathered; those gathered before our description went out are
 *   queued so the partner always receives the description first. `end-of-candidates` closes the list.
 * - Remote candidates are buffered until the remote description is set.
 * - Remote signals and our own offer are applied one at a time, in order.
 * - Terminal events, at most one: `close` (the data channel closed) or `failed` (ERR_PEER_TIMEOUT when
 *   the channel is not open within `connectTimeoutMs`, ERR_PEER_FAILED on ICE/connection/negotiation
 *   failure). `close()` is silent.
 * - ICE restart is not used (unreliable between werift peers): recover by building a new PeerLink.
 */
import { RTCPeerConnection, type RTCDataChannel, type RTCPeerConnectionConfig } from 'werift';
import { ErrorCodes, RandchatError, type ErrorCode } from '../errors.js';
import type { IceServer, Role, SignalData } from '../signaling/protocol.js';
import { systemClock, type Clock, type Timer } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { hasTurnCredentials, isLoopbackTurn, isRelayCandidate, relayOnlySdp, scrubRelated } from './relay.js';
import type { CandidateType } from './session-events.js';

export interface PeerLinkOptions {
  role: Role;
  /** STUN/TURN servers (werift's public default is never used). Ignored when `loopbackOnly`. */
  iceServers: IceServer[];
  /** Gather and accept only 127.0.0.1 UDP candidates (tests, demo on one machine). TURN still works. */
  loopbackOnly?: boolean;
  /**
   * Send everything through TURN (`iceTransportPolicy: 'relay'`): only `typ relay` candidates ever
   * leave, with their related address blanked, so the stranger never learns our address. Fails with
   * ERR_RELAY_UNAVAILABLE when no TURN server with credentials is given or none answers.
   */
  relayOnly?: boolean;
  /** Sends a negotiation payload to the partner (through the signaling server). */
  sendSignal(data: SignalData): void;
  clock?: Clock;
  logger?: Logger;
  /** From `start()` to the data channel open. Default 15000 ms. */
  connectTimeoutMs?: number;
  /** How long gathering waits for STUN/TURN answers. Default 2000 ms. */
  stunGatherTimeoutMs?: number;
  /**
   * Called once before our local description is created (offerer: before the offer; answerer: after
   * the offer is applied, before the answer) — the place to add media transceivers/tracks.
   */
  prepare?: (pc: RTCPeerConnection) => void | Promise<void>;
  /** Called right after the RTCPeerConnection is created (subscribe to remote tracks here). */
  onPeerConnection?: (pc: RTCPeerConnection) => void;
  /** Queue RTP written before DTLS is up instead of dropping it (media starts before connect). */
  pendingRtp?: boolean;
  /** Media codecs in preference order (werift's default: Opus, PCMU, VP8). */
  codecs?: RTCPeerConnectionConfig['codecs'];
}

export type PeerLinkEvents = {
  /** The data channel is open. */
  open: [];
  /** A text frame from the stranger (unvalidated). */
  message: [text: string];
  /** The data channel closed (partner closed, or transport lost). */
  close: [reason: string];
  failed: [err: RandchatError];
};

export const DATA_CHANNEL_LABEL = 'chat';
const LOOPBACK = '127.0.0.1';
/** A hostile partner cannot make us buffer or check more than this many candidates. */
const MAX_REMOTE_CANDIDATES = 64;
type RemoteCandidate = Exclude<SignalData, { kind: 'description' }>;

export class PeerLink extends TypedEmitter<PeerLinkEvents> {
  readonly #opts: PeerLinkOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #pc: RTCPeerConnection;
  readonly #subs: Array<() => void> = [];
  #channel: RTCDataChannel | undefined;
  #chain: Promise<void> = Promise.resolve();
  #timer: Timer | undefined;
  #started = false;
  #done = false; // a terminal event was emitted or close() was called
  #closing: Promise<void> | undefined;
  #opened = false;
  /** Local candidates gathered before our description was sent; null once it was sent. */
  #localQueue: SignalData[] | null = [];
  #remoteSet = false;
  readonly #remoteQueue: RemoteCandidate[] = [];
  #remoteCandidates = 0;
  #relayGathered = false;

  constructor(opts: PeerLinkOptions) {
    super();
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#log = opts.logger ?? silentLogger;
    this.#pc = new RTCPeerConnection(peerConfig(opts));
    const pc = this.#pc;
    opts.onPeerConnection?.(pc);
    this.#sub(pc.onIceCandidate, (c) => {
      if (opts.relayOnly) return this.#relayCandidate(c);
      const data: SignalData = c
        ? {
            kind: 'candidate',
            candidate: c.candidate,
            sdpMid: c.sdpMid ?? null,
            sdpMLineIndex: c.sdpMLineIndex ?? null,
          }
        : { kind: 'end-of-candidates' };
      if (this.#localQueue) this.#localQueue.push(data);
      else this.#signal(data);
    });
    this.#sub(pc.connectionStateChange, (state) => {
      this.#log.debug('connection state', { state });
      if (state === 'failed') this.#fail(ErrorCodes.PEER_FAILED, 'peer connection failed');
    });
    this.#sub(pc.iceConnectionStateChange, (state) => {
      if (state === 'failed') this.#fail(ErrorCodes.PEER_FAILED, 'ICE failed');
    });
    this.#sub(pc.onDataChannel, (channel) => {
      if (this.#channel || channel.label !== DATA_CHANNEL_LABEL) {
        this.#log.warn('ignoring an extra data channel from the partner', {
          label: channel.label.slice(0, 32),
        });
        channel.close();
        return;
      }
      this.#useChannel(channel);
    });
  }

  /**
   * Open once the channel said so or delivered a frame. werift's offerer channel stays
   * "connecting" until the DCEP ACK, which the answerer queues behind its first messages; waiting
   * for readyState would drop the replies (acks) to those messages.
   */
  get isOpen(): boolean {
    const state = this.#channel?.readyState;
    return this.#opened && !this.#done && (state === 'open' || state === 'connecting');
  }

  /** Starts the connect timer; the offerer creates the channel and sends its offer. Never rejects. */
  start(): Promise<void> {
    if (this.#started || this.#done) return this.#chain;
    this.#started = true;
    if (this.#opts.relayOnly && !hasTurnCredentials(this.#opts.iceServers)) {
      this.#fail(ErrorCodes.RELAY_UNAVAILABLE, 'relay-only needs a TURN server with credentials');
      return this.#chain;
    }
    this.#timer = this.#clock.setTimeout(() => {
      // relayOnly: werift keeps retrying a TURN server that refuses us; name the real cause.
      if (this.#opts.relayOnly && !this.#relayGathered) {
        return this.#fail(
          ErrorCodes.RELAY_UNAVAILABLE,
          'no relay address from the TURN server (credentials?)',
        );
      }
      this.#fail(ErrorCodes.PEER_TIMEOUT, `data channel not open after ${this.#timeoutMs} ms`);
    }, this.#timeoutMs);
    if (this.#opts.role === 'answerer') return this.#chain;
    return this.#enqueue(async () => {
      await this.#opts.prepare?.(this.#pc);
      this.#useChannel(this.#pc.createDataChannel(DATA_CHANNEL_LABEL, { ordered: true }));
      await this.#pc.setLocalDescription(await this.#pc.createOffer());
      this.#sendDescription();
    });
  }

  /** Applies a negotiation payload from the partner. Never rejects: bad input emits `failed` or is logged. */
  handleRemoteSignal(data: SignalData): Promise<void> {
    return this.#enqueue(async () => {
      if (data.kind !== 'description') {
        if (++this.#remoteCandidates > MAX_REMOTE_CANDIDATES) return this.#log.debug('too many candidates');
        if (this.#remoteSet) await this.#addCandidate(data);
        else this.#remoteQueue.push(data);
        return;
      }
      const expected = this.#opts.role === 'offerer' ? 'answer' : 'offer';
      if (this.#remoteSet) return this.#log.warn('ignoring a second remote description', { type: data.type });
      if (data.type !== expected) throw new Error(`unexpected ${data.type} for the ${this.#opts.role}`);
      checkRemoteSdp(data.sdp);
      await this.#pc.setRemoteDescription({ type: data.type, sdp: data.sdp });
      this.#remoteSet = true;
      for (const c of this.#remoteQueue.splice(0)) await this.#addCandidate(c);
      if (data.type === 'offer') {
        await this.#opts.prepare?.(this.#pc);
        await this.#pc.setLocalDescription(await this.#pc.createAnswer());
        this.#sendDescription();
      }
    });
  }

  /** Sends one text frame; false when the channel is not open. */
  send(text: string): boolean {
    if (!this.isOpen || !this.#channel) return false;
    try {
      this.#channel.send(text);
      return true;
    } catch (err) {
      this.#log.debug('send failed', { err });
      return false;
    }
  }

  /** Local candidate type of the selected ICE pair; 'unknown' before selection. */
  candidateType(): CandidateType {
    try {
      const pair = this.#pc.iceTransports[0]?.getSelectedCandidatePair();
      const type = / typ (\w+)/.exec(pair?.local.candidate ?? '')?.[1];
      return type === 'host' || type === 'srflx' || type === 'prflx' || type === 'relay' ? type : 'unknown';
    } catch {
      return 'unknown';
    }
  }

  /** Closes the channel and the peer connection. Idempotent, silent, never rejects. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  get #timeoutMs(): number {
    return this.#opts.connectTimeoutMs ?? 15_000;
  }

  async #shutdown(): Promise<void> {
    this.#done = true;
    this.#clock.clearTimeout(this.#timer);
    for (const unsubscribe of this.#subs.splice(0)) unsubscribe();
    try {
      this.#channel?.close();
      await this.#pc.close();
    } catch (err) {
      this.#log.debug('error while closing the peer connection', { err });
    }
  }

  #sub<T extends unknown[]>(
    event: { subscribe(fn: (...args: T) => void): { unSubscribe(): void } },
    fn: (...args: T) => void,
  ): void {
    const { unSubscribe } = event.subscribe(fn);
    if (this.#closing)
      unSubscribe(); // subscribed by a step that raced close()
    else this.#subs.push(unSubscribe);
  }

  #enqueue(step: () => Promise<void>): Promise<void> {
    this.#chain = this.#chain.then(async () => {
      if (this.#done) return;
      try {
        await step();
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        this.#fail(ErrorCodes.PEER_FAILED, `negotiation failed: ${reason}`, err);
      }
    });
    return this.#chain;
  }

  #useChannel(channel: RTCDataChannel): void {
    this.#channel = channel;
    this.#sub(channel.stateChanged, (state) => {
      if (state === 'open') this.#open();
      else if (state === 'closed') this.#terminal(() => this.emit('close', 'data channel closed'));
    });
    this.#sub(channel.onMessage, (data) => {
      // A message proves the channel is open; werift can deliver one before its 'open' state
      // change, and listeners must always see `open` before the first `message`.
      this.#open();
      if (!this.#done) this.emit('message', typeof data === 'string' ? data : data.toString('utf8'));
    });
    if (channel.readyState === 'open') this.#open();
  }

  #open(): void {
    if (this.#opened || this.#done) return;
    this.#opened = true;
    this.#clock.clearTimeout(this.#timer);
    this.#log.debug('data channel open', { candidateType: this.candidateType() });
    this.emit('open');
  }

  /** relayOnly: passes on relay candidates only (scrubbed), and fails if gathering found none. */
  #relayCandidate(c: { candidate: string; sdpMid?: string; sdpMLineIndex?: number } | undefined): void {
    const candidate = c?.candidate;
    if (candidate !== undefined && !isRelayCandidate(candidate)) return;
    if (candidate === undefined && !this.#relayGathered) {
      return this.#fail(ErrorCodes.RELAY_UNAVAILABLE, 'the TURN server gave no relay address (credentials?)');
    }
    if (candidate !== undefined) this.#relayGathered = true;
    const data: SignalData =
      candidate === undefined
        ? { kind: 'end-of-candidates' }
        : {
            kind: 'candidate',
            candidate: scrubRelated(candidate),
            sdpMid: c?.sdpMid ?? null,
            sdpMLineIndex: c?.sdpMLineIndex ?? null,
          };
    if (this.#localQueue) this.#localQueue.push(data);
    else this.#signal(data);
  }

  #sendDescription(): void {
    const desc = this.#pc.localDescription;
    if (!desc) throw new Error('no local description');
    const sdp = this.#opts.relayOnly ? relayOnlySdp(desc.sdp) : desc.sdp;
    this.#signal({ kind: 'description', type: desc.type as 'offer' | 'answer', sdp });
    for (const c of this.#localQueue ?? []) this.#signal(c);
    this.#localQueue = null;
  }

  #signal(data: SignalData): void {
    if (this.#done) return;
    try {
      this.#opts.sendSignal(data);
    } catch (err) {
      this.#log.warn('sendSignal threw', { err });
    }
  }

  async #addCandidate(c: RemoteCandidate): Promise<void> {
    if (c.kind === 'candidate' && this.#opts.loopbackOnly && !isLoopbackCandidate(c.candidate)) {
      this.#log.debug('loopbackOnly: dropping a remote candidate');
      return;
    }
    try {
      await this.#pc.addIceCandidate(
        c.kind === 'candidate'
          ? { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex }
          : null,
      );
    } catch (err) {
      this.#log.warn('could not add a remote candidate', { err });
    }
  }

  #fail(code: ErrorCode, message: string, cause?: unknown): void {
    this.#terminal(() => this.emit('failed', new RandchatError(code, message, { cause })));
  }

  /** Emits at most one terminal event; afterwards the link is inert until `close()`. */
  #terminal(emit: () => void): void {
    if (this.#done) return;
    this.#done = true;
    this.#clock.clearTimeout(this.#timer);
    emit();
  }
}

function peerConfig(opts: PeerLinkOptions): RTCPeerConnectionConfig {
  const stun = {
    iceStunGatherTimeout: (opts.stunGatherTimeoutMs ?? 2000) / 1000,
    iceUseTcp: false,
    ...(opts.relayOnly ? { iceTransportPolicy: 'relay' as const } : {}),
    ...(opts.pendingRtp ? { pendingRtp: true } : {}),
    ...(opts.codecs ? { codecs: opts.codecs } : {}),
  };
  if (!opts.loopbackOnly) return { ...stun, iceServers: opts.iceServers };
  // werift never gathers loopback by itself: add it, skip the real interfaces, bind sockets to it.
  // Only TURN servers on 127.0.0.1 are kept (tests run coturn there); STUN would only find 127.0.0.1.
  return {
    ...stun,
    iceServers: opts.iceServers.filter(isLoopbackTurn),
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: [LOOPBACK],
    iceInterfaceAddresses: { udp4: LOOPBACK },
    iceFilterCandidatePair: (pair) => pair.remoteCandidate.host === LOOPBACK,
  };
}

/** werift accepts any text as SDP (and even reports "connected"): check the parts we need. */
function checkRemoteSdp(sdp: string): void {
  for (const [re, what] of REQUIRED_SDP) if (!re.test(sdp)) throw new Error(`remote SDP lacks ${what}`);
}
const REQUIRED_SDP: [RegExp, string][] = [
  [/^m=application \d+ UDP\/DTLS\/SCTP webrtc-datachannel\r?$/m, 'a data channel section'],
  [/^a=ice-ufrag:\S+\r?$/m, 'ICE credentials'],
  [/^a=ice-pwd:\S+\r?$/m, 'ICE credentials'],
  [/^a=fingerprint:\S+ \S+\r?$/m, 'a DTLS fingerprint'],
];

/** `candidate:<foundation> <component> <transport> <priority> <address> <port> typ …` */
function isLoopbackCandidate(candidate: string): boolean {
  return candidate.replace(/^candidate:/, '').split(' ')[4] === LOOPBACK;
}
