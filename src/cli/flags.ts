/** Parsed command-line flags, as commander hands them to the actions. */
import type { LogLevel } from '../util/logger.js';

export interface CommonFlags {
  logLevel: LogLevel;
  logFile?: string;
}

export interface ChatFlags extends CommonFlags {
  server: string;
  serve?: boolean;
  interests?: string[];
  json?: boolean;
  autoNext?: boolean;
  loopback?: boolean;
}

export interface DemoFlags extends CommonFlags {
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
}
