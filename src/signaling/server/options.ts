/**
 * Server options and their defaults (README documents them; the CLI maps flags onto them).
 */
import { systemClock, type Clock } from '../../util/clock.js';
import { silentLogger, type Logger } from '../../util/logger.js';
import { MAX_MESSAGE_BYTES, type IceServer } from '../protocol.js';
import type { BrokerFactory } from './broker.js';
import { createMemoryBroker } from './memory-broker.js';
import {
  DEFAULT_JOIN_RATE,
  DEFAULT_MAX_CONNECTIONS_PER_IP,
  DEFAULT_MESSAGE_RATE,
  type RateLimit,
} from './rate-limit.js';
import { cryptoRng, type Rng } from './rng.js';
import { deriveKeys, type ServerKeys } from './secrets.js';
import { DEFAULT_GRACE_MS, DEFAULT_INTEREST_WINDOW_MS } from './state.js';

/** The port `randchat server` listens on by default. */
export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_HEARTBEAT_MS = 15_000;
export const DEFAULT_HELLO_TIMEOUT_MS = 10_000;
export const DEFAULT_FLOOD_CLOSE_AFTER = 100;
export const DEFAULT_MAX_PROTOCOL_ERRORS = 20;
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 2_000;
/** A client whose unsent data passes this is disconnected (4011). */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
export const DEFAULT_TURN_TTL_SEC = 3600;

export interface ServerOptions {
  /** Interface to bind. Default `'127.0.0.1'`. */
  host?: string;
  /** TCP port; 0 picks a free one. Default {@link DEFAULT_PORT} (8787). */
  port?: number;
  /** Resume window after a socket drops. Default 20000 ms. */
  graceMs?: number;
  /** WebSocket ping sweep interval; a socket that misses a pong is terminated. 0 disables. Default 15000 ms. */
  heartbeatMs?: number;
  /** A connection that has not said `hello` after this long is closed (4003). Default 10000 ms. */
  helloTimeoutMs?: number;
  /** How long a joiner with interests holds out for a stranger sharing one. Default 5000 ms. */
  interestWindowMs?: number;
  /**
   * Largest accepted message (bytes), announced in `welcome`. Bigger frames get ERR_TOO_LARGE; frames
   * over twice this size are cut off by `ws` (`maxPayload`) with close code 1009.
   * Default `MAX_MESSAGE_BYTES` (65536).
   */
  maxMessageBytes?: number;
  /** Per-connection message rate. Default 50/s, burst 100. */
  messageRate?: RateLimit;
  /** Per-connection `join` + `next` rate. Default 2/s, burst 10. */
  joinRate?: RateLimit;
  /** Messages dropped by the rate limit, in a row, before the socket is closed (4008). Default 100. */
  floodCloseAfter?: number;
  /** Invalid messages on one connection before it is closed (4007). 0 = never. Default 20. */
  maxProtocolErrors?: number;
  /** Open connections per IP address (more get ERR_TOO_MANY_CONNECTIONS + 4009). 0 = unlimited. Default 50. */
  maxConnectionsPerIp?: number;
  /** ICE servers handed to clients in `welcome` as given (prefer `stun`/`turn`). Default `[]`. */
  iceServers?: IceServer[];
  /** STUN URLs handed to clients. Default `[]`. */
  stun?: string[];
  /** TURN URLs handed to clients, with per-session credentials when `turnSecret` is set. Default `[]`. */
  turn?: string[];
  /** coturn's `static-auth-secret` (REST API): credentials in `welcome`, `matched` and `rebuild`. */
  turnSecret?: string | undefined;
  /** Lifetime of issued TURN credentials (s). Default 3600. */
  turnTtlSec?: number;
  /** Keys peer tags, identity hashes and IP hashes; stable across restarts if set. Default: random. */
  secret?: string | Buffer | undefined;
  /** Unsent bytes a client may leave queued before it is disconnected (4011). 0 = no cap. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** Accepted `Origin` headers (requests without one are accepted). Empty = any. Default `[]`. */
  allowOrigins?: string[];
  /** PEM certificate and key: serve `wss://`/`https://`. */
  tls?: { cert: string | Buffer; key: string | Buffer } | undefined;
  /** Operator-edited ban list (one IP or IP hash per line), reloaded on change. */
  banFile?: string | undefined;
  /** How long `close()` waits for clients to finish the closing handshake. Default 2000 ms. */
  shutdownTimeoutMs?: number;
  /** Reported by /healthz. Default: randchat's package.json version. */
  version?: string;
  clock?: Clock;
  logger?: Logger;
  /** Randomness for pairing and ids. Default: crypto ids, Math.random pairing. */
  rng?: Rng;
  /** Where queue and pairs live. Default: in memory. */
  broker?: BrokerFactory;
}

type Nullable = 'turnSecret' | 'secret' | 'tls' | 'banFile';
export type ResolvedOptions = Required<Omit<ServerOptions, Nullable>> & {
  turnSecret: string | null;
  tls: NonNullable<ServerOptions['tls']> | null;
  banFile: string | null;
  keys: ServerKeys;
};

export function resolveOptions(o: ServerOptions, version: string): ResolvedOptions {
  return {
    host: o.host ?? DEFAULT_HOST,
    port: o.port ?? DEFAULT_PORT,
    graceMs: o.graceMs ?? DEFAULT_GRACE_MS,
    heartbeatMs: o.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    helloTimeoutMs: o.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS,
    interestWindowMs: o.interestWindowMs ?? DEFAULT_INTEREST_WINDOW_MS,
    maxMessageBytes: o.maxMessageBytes ?? MAX_MESSAGE_BYTES,
    messageRate: o.messageRate ?? DEFAULT_MESSAGE_RATE,
    joinRate: o.joinRate ?? DEFAULT_JOIN_RATE,
    floodCloseAfter: o.floodCloseAfter ?? DEFAULT_FLOOD_CLOSE_AFTER,
    maxProtocolErrors: o.maxProtocolErrors ?? DEFAULT_MAX_PROTOCOL_ERRORS,
    maxConnectionsPerIp: o.maxConnectionsPerIp ?? DEFAULT_MAX_CONNECTIONS_PER_IP,
    iceServers: o.iceServers ?? [],
    stun: o.stun ?? [],
    turn: o.turn ?? [],
    turnSecret: o.turnSecret ?? null,
    turnTtlSec: o.turnTtlSec ?? DEFAULT_TURN_TTL_SEC,
    keys: deriveKeys(o.secret),
    maxBufferedBytes: o.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
    allowOrigins: o.allowOrigins ?? [],
    tls: o.tls ?? null,
    banFile: o.banFile ?? null,
    shutdownTimeoutMs: o.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
    version: o.version ?? version,
    clock: o.clock ?? systemClock,
    logger: o.logger ?? silentLogger,
    rng: o.rng ?? cryptoRng(),
    broker: o.broker ?? createMemoryBroker,
  };
}
