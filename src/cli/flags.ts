/** Parsed command-line flags, as commander hands them to the actions. */
import type { LogLevel } from '../util/logger.js';
import type { MediaFlags } from './media-options.js';

export interface CommonFlags {
  logLevel: LogLevel;
  logFile?: string;
}

export interface ChatFlags extends CommonFlags, MediaFlags {
  server: string;
  serve?: boolean;
  interests?: string[];
  json?: boolean;
  autoNext?: boolean;
  loopback?: boolean;
  stun?: string[];
  turn?: string[];
  turnUser?: string;
  relayOnly?: boolean;
  ca?: string;
  /** A path, or false for `--no-block-file`. */
  blockFile?: string | false;
}

export interface DemoFlags extends CommonFlags, MediaFlags {
  interests?: string[];
  json?: boolean;
  autoNext?: boolean;
}

export interface ServerFlags extends CommonFlags {
  host: string;
  port: number;
  graceMs?: number;
  heartbeatMs?: number;
  helloTimeoutMs?: number;
  interestWindowMs?: number;
  maxConnectionsPerIp?: number;
  maxMessageBytes?: number;
  maxProtocolErrors?: number;
  floodCloseAfter?: number;
  shutdownTimeoutMs?: number;
  messageRate?: { ratePerSec: number; burst: number };
  joinRate?: { ratePerSec: number; burst: number };
  iceServer: string[];
  stun: string[];
  turn: string[];
  turnSecretFile?: string;
  turnTtl?: number;
  secretFile?: string;
  maxBufferedBytes?: number;
  allowOrigin: string[];
  tlsCert?: string;
  tlsKey?: string;
  banFile?: string;
  /** Multi-node mode: the Redis URL (`--redis`). */
  redis?: string;
}
