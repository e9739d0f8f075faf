/**
 * The chat protocol on top of one text transport (the data channel), with no WebRTC in sight:
 * queueing until a transport is attached, acks and dedupe, re-sending unacknowledged messages on a
 * new transport (after a peer-connection rebuild), typing notices, an application heartbeat with RTT,
 * and bye. Frames from the stranger are validated ({@link parsePeerMessage}) and their text sanitised.
 *
 * Feed every received frame to {@link ChatChannel.receive}; call {@link ChatChannel.attach} when a
 * channel opens and {@link ChatChannel.detach} when it is lost.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCodes, RandchatError } from '../errors.js';
import { systemClock, type Clock, type Timer } from '../util/clock.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import {
  MAX_FRAME_BYTES,
  MAX_TEXT_CHARS,
  codePointLength,
  encodePeerMessage,
  parsePeerMessage,
  type ByeReason,
  type PeerMessage,
} from './peer-message.js';
import { sanitizeText } from './sanitize.js';

export interface ChatTransport {
  /** Sends one frame; false when it could not be sent (channel not open). */
  send(text: string): boolean;
}

export interface ChatChannelOptions {
  clock?: Clock;
  /** Ping period while attached. Default 1000 ms. */
  heartbeatMs?: number;
  /** Emit `timeout` when nothing at all arrives for this long while attached. Default 5000 ms. */
  partnerTimeoutMs?: number;
  /** At most one typing notice per this period. Default 1500 ms. */
  typingThrottleMs?: number;
  /** Message id generator. Default `randomUUID`. */
  newId?: () => string;
}

export interface PendingMessage {
  id: string;
  text: string;
  /** Written to the current transport (awaiting ack); false = queued. */
  sent: boolean;
}

export type ChatChannelEvents = {
  /** A new chat message from the stranger; `text` is sanitised and non-empty. */
  message: [{ id: string; text: string }];
  /** The stranger acknowledged our message. */
  delivered: [{ id: string }];
  typing: [];
  bye: [{ reason: ByeReason }];
  /** The stranger's media notice: what they send now. */
  media: [{ video: boolean; audio: boolean; recording: boolean }];
  /** Nothing received for `partnerTimeoutMs`; emitted once per attachment. */
  timeout: [];
  /** Round-trip time of one ping, in ms. */
  rtt: [ms: number];
  /** An invalid frame from the stranger (code ERR_BAD_PEER_MESSAGE). The channel carries on. */
  'protocol-error': [err: RandchatError];
};

/** How many received ids are remembered for dedupe. */
const SEEN_IDS = 2048;
/** How many unanswered pings are remembered for RTT. */
const PINGS_KEPT = 8;

export class ChatChannel extends TypedEmitter<ChatChannelEvents> {
  readonly #clock: Clock;
  readonly #heartbeatMs: number;
  readonly #partnerTimeoutMs: number;
  readonly #typingThrottleMs: number;
  readonly #newId: () => string;

  #transport: ChatTransport | null = null;
  #closed = false;
  readonly #pending = new Map<string, PendingMessage>();
  readonly #seen = new Set<string>();
  #lastTypingSent = -Infinity;
  // heartbeat
  #heartbeat: Timer | undefined;
  #watchdog: Timer | undefined;
  #lastRx = 0;
  #timedOut = false;
  #pingSeq = 0;
  readonly #pings = new Map<number, number>();
  #rttMs: number | null = null;
  /** Our last media notice, re-sent on every attach (a rebuilt connection starts fresh). */
  #media: PeerMessage | null = null;

  constructor(opts: ChatChannelOptions = {}) {
    super();
    this.#clock = opts.clock ?? systemClock;
    this.#heartbeatMs = opts.heartbeatMs ?? 1000;
    this.#partnerTimeoutMs = opts.partnerTimeoutMs ?? 5000;
    this.#typingThrottleMs = opts.typingThrottleMs ?? 1500;
    this.#newId = opts.newId ?? randomUUID;
  }

  get attached(): boolean {
    return this.#transport !== null;
  }

  /** Last measured round-trip time (ms), null before the first pong. */
  get rttMs(): number | null {
    return this.#rttMs;
  }

  /** Starts using `transport`: re-sends every unacknowledged message in order, starts the heartbeat. */
  attach(transport: ChatTransport): void {
    if (this.#closed) return;
    this.detach();
    this.#transport = transport;
    for (const m of this.#pending.values()) m.sent = false;
    this.#lastRx = this.#clock.now();
    this.#timedOut = false;
    this.#heartbeat = this.#clock.setInterval(() => this.#ping(), this.#heartbeatMs);
    this.#armWatchdog(this.#partnerTimeoutMs);
    this.#flush();
    if (this.#media) this.#write(this.#media);
  }

  /** The transport is gone: stop the heartbeat, keep every pending message for the next attach. */
  detach(): void {
    this.#clock.clearInterval(this.#heartbeat);
    this.#clock.clearTimeout(this.#watchdog);
    this.#heartbeat = this.#watchdog = undefined;
    this.#transport = null;
    this.#pings.clear();
  }

  /** Detaches for good; later calls to `send` throw ERR_NOT_CONNECTED and frames are ignored. */
  close(): void {
    this.detach();
    this.#closed = true;
  }

  /**
   * Sends (or queues, while no transport is attached) a chat message and returns its id.
   * Throws ERR_EMPTY_MESSAGE, ERR_MESSAGE_TOO_LONG (never truncates) or ERR_NOT_CONNECTED after close.
   */
  send(text: string): string {
    if (this.#closed) throw new RandchatError(ErrorCodes.NOT_CONNECTED, 'chat channel is closed');
    if (text.trim() === '') throw new RandchatError(ErrorCodes.EMPTY_MESSAGE, 'message is empty');
    const length = codePointLength(text);
    if (length > MAX_TEXT_CHARS) {
      throw new RandchatError(
        ErrorCodes.MESSAGE_TOO_LONG,
        `message is ${length} characters long; the limit is ${MAX_TEXT_CHARS}`,
      );
    }
    const id = this.#newId();
    if (Buffer.byteLength(encodePeerMessage({ t: 'msg', id, text }), 'utf8') > MAX_FRAME_BYTES) {
      throw new RandchatError(ErrorCodes.MESSAGE_TOO_LONG, `message is larger than ${MAX_FRAME_BYTES} bytes`);
    }
    this.#pending.set(id, { id, text, sent: false });
    this.#flush();
    return id;
  }

  /** Sends a typing notice unless one went out less than `typingThrottleMs` ago. True when sent. */
  typing(): boolean {
    const now = this.#clock.now();
    if (this.#transport === null || now - this.#lastTypingSent < this.#typingThrottleMs) return false;
    if (!this.#write({ t: 'typing' })) return false;
    this.#lastTypingSent = now;
    return true;
  }

  /** Tells the stranger what we send (now and after every re-attach). */
  media(notice: { video: boolean; audio: boolean; recording: boolean }): void {
    this.#media = { t: 'media', ...notice };
    this.#write(this.#media);
  }

  /** Tells the stranger we leave. True when the frame was written. */
  bye(reason: ByeReason): boolean {
    return this.#write({ t: 'bye', reason });
  }

  /** Unacknowledged and queued messages, in send order (copies). */
  pending(): PendingMessage[] {
    return [...this.#pending.values()].map((m) => ({ ...m }));
  }

  /** Returns the unacknowledged and queued messages and forgets them (the partner left). */
  takeUndelivered(): PendingMessage[] {
    const out = this.pending();
    this.#pending.clear();
    return out;
  }

  /** Handles one frame received from the stranger. Never throws. */
  receive(raw: string): void {
    if (this.#closed) return;
    this.#lastRx = this.#clock.now();
    const parsed = parsePeerMessage(raw);
    if (!parsed.ok) {
      this.emit('protocol-error', new RandchatError(ErrorCodes.BAD_PEER_MESSAGE, parsed.error.message));
      return;
    }
    const msg = parsed.msg;
    switch (msg.t) {
      case 'msg': {
        this.#write({ t: 'ack', id: msg.id });
        if (this.#seen.has(msg.id)) return;
        this.#remember(msg.id);
        const text = sanitizeText(msg.text);
        if (text !== '') this.emit('message', { id: msg.id, text });
        return;
      }
      case 'ack':
        if (this.#pending.delete(msg.id)) this.emit('delivered', { id: msg.id });
        return;
      case 'typing':
        this.emit('typing');
        return;
      case 'ping':
        this.#write({ t: 'pong', n: msg.n });
        return;
      case 'pong': {
        const sentAt = this.#pings.get(msg.n);
        if (sentAt === undefined) return;
        this.#pings.delete(msg.n);
        this.#rttMs = this.#clock.now() - sentAt;
        this.emit('rtt', this.#rttMs);
        return;
      }
      case 'bye':
        this.emit('bye', { reason: msg.reason });
        return;
      case 'media':
        this.emit('media', { video: msg.video, audio: msg.audio, recording: msg.recording });
        return;
      default: {
        const never: never = msg;
        void never;
      }
    }
  }

  #write(msg: PeerMessage): boolean {
    if (this.#transport === null) return false;
    try {
      return this.#transport.send(encodePeerMessage(msg));
    } catch {
      return false;
    }
  }

  /** Writes queued messages in order, stopping at the first that cannot be written. */
  #flush(): void {
    for (const m of this.#pending.values()) {
      if (m.sent) continue;
      if (!this.#write({ t: 'msg', id: m.id, text: m.text })) return;
      m.sent = true;
    }
  }

  #remember(id: string): void {
    this.#seen.add(id);
    if (this.#seen.size > SEEN_IDS) {
      const oldest = this.#seen.values().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
  }

  #ping(): void {
    const n = this.#pingSeq;
    this.#pingSeq = (this.#pingSeq + 1) % 2 ** 31;
    this.#pings.set(n, this.#clock.now());
    if (this.#pings.size > PINGS_KEPT) {
      const oldest = this.#pings.keys().next().value;
      if (oldest !== undefined) this.#pings.delete(oldest);
    }
    this.#write({ t: 'ping', n });
  }

  /** One timer, re-armed lazily: it checks the time of the last frame when it fires. */
  #armWatchdog(ms: number): void {
    this.#watchdog = this.#clock.setTimeout(() => {
      if (this.#transport === null || this.#timedOut) return;
      const silentFor = this.#clock.now() - this.#lastRx;
      if (silentFor < this.#partnerTimeoutMs) {
        this.#armWatchdog(this.#partnerTimeoutMs - silentFor);
        return;
      }
      this.#timedOut = true;
      this.emit('timeout');
    }, ms);
  }
}
