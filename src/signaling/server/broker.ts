/**
 * The broker holds the queue, the pairs and the sessions, and delivers messages to sockets.
 *
 * The server owns sockets and talks to a broker in two directions:
 * - server → broker: {@link Broker.dispatch} one {@link ClientEvent} per client action or socket loss;
 * - broker → server: the node-local {@link Delivery} (bind a connection to a session, send, close).
 *
 * The in-memory broker (memory-broker.ts) runs the pure matchmaker in process. A multi-node broker
 * (Redis: shared queue via Lua, one pub/sub channel per node for cross-node relay, node liveness)
 * implements the same interface: `dispatch` may then complete asynchronously, but must keep each
 * session's events in order, and must call `Delivery` only on the node that owns the socket.
 */
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { Registry } from 'prom-client';
import type { ServerMessage } from '../protocol.js';
import type { Rng } from './rng.js';
import type { AbuseReport, ClientEvent, ConnId, MatchmakerConfig, SessionId } from './state.js';

/** What a broker needs from the server node: its local sockets. Implementations never throw. */
export interface Delivery {
  /** Attach local connection `conn` to `session`; later `send`/`close` for it go there. */
  bind(conn: ConnId, session: SessionId): void;
  /** Send to the session's socket on this node; dropped if it has none. */
  send(session: SessionId, msg: ServerMessage): void;
  /**
   * Like `send`, for a message already encoded as JSON text by another node (the relay's fast path
   * for `signal`: written to the socket as it arrived, never parsed here). Absent: the broker
   * parses it and calls `send`.
   */
  sendEncoded?(session: SessionId, type: 'signal', text: string): void;
  /** Close the session's socket on this node and detach it. */
  close(session: SessionId, code: number, reason: string): void;
  /** An abuse report for the operator (the server logs it). Called on the reporter's node. */
  report?(report: AbuseReport): void;
}

export interface BrokerStats {
  /** Live sessions (including those in their grace window). */
  sessions: number;
  /** Sessions waiting in the queue. */
  waiting: number;
  /** Active matches. */
  matches: number;
}

export interface Broker {
  /**
   * Feeds one client event. Never throws; failures are logged. An asynchronous broker returns a
   * promise that settles (never rejects) once the event has been carried out, so that a connection
   * can keep the answers to messages it held in order (see connection.ts).
   */
  dispatch(event: ClientEvent): void | Promise<void>;
  stats(): BrokerStats | Promise<BrokerStats>;
  /**
   * Whether this node can serve matchmaking right now (`GET /readyz`): the Redis broker answers false
   * while Redis is unreachable. Absent: always ready.
   */
  ready?(): boolean | Promise<boolean>;
  /** Clears every timer and stops delivering. Idempotent. */
  close(): Promise<void>;
}

export interface BrokerContext {
  delivery: Delivery;
  config: MatchmakerConfig;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  /**
   * The server's Prometheus registry (`GET /metrics`), for broker metrics such as Redis round trips
   * (e.g. a `randchat_broker_round_trip_seconds` histogram). Absent when metrics are off.
   */
  registry?: Registry;
}

export type BrokerFactory = (ctx: BrokerContext) => Broker;
