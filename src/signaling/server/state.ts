/**
 * The matchmaker's state and the vocabulary of its state machine: events in, effects out.
 * Nothing here does I/O; see matchmaker.ts for `step`.
 */
import type { IceServer, ServerMessage, SignalData } from '../protocol.js';
import { WaitingQueue } from './queue.js';

export type SessionId = string;
/** A connection id assigned by the server node that owns the socket. */
export type ConnId = number;

export const DEFAULT_GRACE_MS = 20_000;
export const DEFAULT_INTEREST_WINDOW_MS = 5_000;

/** The one empty interest list every session without interests shares (saves an array each). */
export const NO_INTERESTS: readonly string[] = Object.freeze([]);

export interface MatchmakerConfig {
  /** How long a session whose socket dropped keeps its place (and partner) for a resume. */
  graceMs: number;
  /** How long a joiner with interests waits for someone sharing one before accepting anyone. */
  interestWindowMs: number;
  /** Fields copied into every `welcome`. */
  welcome: { heartbeatMs: number; iceServers: IceServer[]; maxMessageBytes: number };
  /**
   * The block token `observer` gets for `stranger` (identities, see {@link identityOf}), sent as
   * `matched.peerTag`. Must be deterministic. Without it, `matched` carries no tag.
   */
  peerTag?: (observer: string, stranger: string) => string;
}

export type SessionStatus = 'idle' | 'waiting' | 'matched';

export interface SessionRecord {
  readonly id: SessionId;
  readonly resumeToken: string;
  /** Whether a socket is attached. False during the grace window. */
  connected: boolean;
  status: SessionStatus;
  /**
   * Normalised interests. Replaced, never mutated (the queue indexes them; sessions without any
   * share {@link NO_INTERESTS}).
   */
  interests: readonly string[];
  matchId: string | null;
  /** The last match that ended, to tell stale signals (ERR_STALE_MATCH) from unmatched ones. */
  lastMatchId: string | null;
  /** The partner of the last match that ended (skip-repeat rule). */
  lastPartner: SessionId | null;
  /** When the session last entered the queue (start of its interest window). */
  waitingSince: number;
  /** Was queued when the socket dropped: goes back into the queue on resume. */
  requeueOnResume: boolean;
  /** An interest-window timer is scheduled. */
  interestTimer: boolean;
  /** Keyed hash of the client's `hello.identity`; absent: the session id is its identity. */
  identity?: string;
  /** Identities this session never wants to meet (its `block`s and `hello.blockTags`). */
  blocked?: Set<string>;
  /** Salted hash of the client's address (for abuse reports). */
  ipHash?: string;
  /** Identity and address hash of the last partner, for `block`/`report` after they are gone. */
  lastPartnerIdentity?: string;
  lastPartnerIpHash?: string;
}

/** Who a session is, for blocking: its keyed client identity, else its session id. */
export const identityOf = (s: SessionRecord): string => s.identity ?? s.id;

export interface MatchRecord {
  readonly id: string;
  readonly a: SessionId;
  readonly b: SessionId;
  readonly offerer: SessionId;
  /** Peer-connection generation; bumped by every rebuild. */
  gen: number;
  /** Interests both sides share, sorted. */
  readonly interests: string[];
}

export interface MatchState {
  readonly config: MatchmakerConfig;
  readonly sessions: Map<SessionId, SessionRecord>;
  readonly byToken: Map<string, SessionId>;
  readonly matches: Map<string, MatchRecord>;
  readonly queue: WaitingQueue;
}

export function createMatchState(config: Partial<MatchmakerConfig> = {}): MatchState {
  return {
    config: {
      graceMs: config.graceMs ?? DEFAULT_GRACE_MS,
      interestWindowMs: config.interestWindowMs ?? DEFAULT_INTEREST_WINDOW_MS,
      welcome: config.welcome ?? { heartbeatMs: 15_000, iceServers: [], maxMessageBytes: 64 * 1024 },
      ...(config.peerTag ? { peerTag: config.peerTag } : {}),
    },
    sessions: new Map(),
    byToken: new Map(),
    matches: new Map(),
    queue: new WaitingQueue(),
  };
}

// ---------------------------------------------------------------- events

/** Events fired by timers the machine scheduled itself. */
export type TimerEvent =
  { type: 'grace-expired'; session: SessionId } | { type: 'interest-window-expired'; session: SessionId };

/** Events that come from a client connection. */
export type ClientEvent =
  /** A new connection said hello without a resume token (or with one that is no longer valid). */
  | ({ type: 'hello'; conn: ConnId; interests: string[] } & ClientFacts)
  /** A connection said hello with a resume token. Unknown tokens start a fresh session. */
  | ({ type: 'resume'; conn: ConnId; resumeToken: string; interests?: string[] } & ClientFacts)
  | { type: 'join'; session: SessionId; interests?: string[] }
  | { type: 'next'; session: SessionId }
  | { type: 'leave'; session: SessionId }
  | { type: 'bye'; session: SessionId }
  | { type: 'socket-lost'; session: SessionId }
  | { type: 'signal'; session: SessionId; matchId: string; gen: number; data: SignalData }
  | { type: 'rebuild'; session: SessionId; matchId: string }
  /** Never pair the session with its current (or last) partner again. */
  | { type: 'block'; session: SessionId }
  | { type: 'report'; session: SessionId; reason: string };

/** What the server node learned about a connecting client (all optional). */
export interface ClientFacts {
  /** Keyed hash of `hello.identity`. */
  identity?: string;
  /** Identities opened from `hello.blockTags`. */
  blocked?: string[];
  ipHash?: string;
}

/** An abuse report, for the operator's log (never sent to clients). */
export interface AbuseReport {
  matchId: string;
  reporter: SessionId;
  reported: SessionId;
  reporterIpHash: string | null;
  reportedIpHash: string | null;
  reason: string;
}

/**
 * Look for a partner again for a waiting session. Only a multi-node broker sends it: when another
 * node queued someone while this session was being queued, neither may have seen the other.
 */
export type WakeEvent = { type: 'wake'; session: SessionId };

export type MatchEvent = ClientEvent | TimerEvent | WakeEvent;

// ---------------------------------------------------------------- effects

export type Effect =
  /** Attach connection `conn` to `session` (it now receives the session's messages). */
  | { type: 'bind'; conn: ConnId; session: SessionId }
  /** Deliver a message to the session's socket (dropped if it has none right now). */
  | { type: 'send'; to: SessionId; msg: ServerMessage }
  /** Close the session's current socket and detach it (its close is then not a socket loss). */
  | { type: 'close'; to: SessionId; code: number; reason: string }
  /** Run `event` through `step` at time `at` (replaces any timer with the same key). */
  | { type: 'schedule'; key: string; at: number; event: TimerEvent }
  | { type: 'cancel'; key: string }
  /** Hand an abuse report to the operator (the server logs it). */
  | { type: 'report'; report: AbuseReport };

export interface StepResult {
  state: MatchState;
  effects: Effect[];
}

export const graceKey = (session: SessionId): string => `grace:${session}`;
export const interestKey = (session: SessionId): string => `interest:${session}`;
