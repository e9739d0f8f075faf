/** Option-argument parsers for commander: each returns the value or throws InvalidArgumentError. */
import { InvalidArgumentError } from 'commander';
import { normalizeInterests } from '../signaling/protocol.js';
import { isLogLevel, type LogLevel } from '../util/logger.js';

export const LOG_LEVELS: readonly LogLevel[] = ['silent', 'error', 'warn', 'info', 'debug'];

export function parseServerUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected a ws:// or wss:// URL, e.g. ws://127.0.0.1:8787');
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new InvalidArgumentError(`expected a ws:// or wss:// URL, got ${url.protocol}//`);
  }
  return value;
}

export function parseInterestList(value: string): string[] {
  try {
    return normalizeInterests(value.split(','));
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}

export function parsePort(value: string): number {
  const n = parseInteger(value);
  if (n < 0 || n > 65535)
    throw new InvalidArgumentError('expected a port number 0–65535 (0 = any free port)');
  return n;
}

/** A whole number ≥ min (ms values, limits). */
export function intAtLeast(min: number): (value: string) => number {
  return (value) => {
    const n = parseInteger(value);
    if (n < min) throw new InvalidArgumentError(`expected a whole number ≥ ${min}`);
    return n;
  };
}

export function parseLogLevel(value: string): LogLevel {
  if (!isLogLevel(value)) throw new InvalidArgumentError(`expected one of ${LOG_LEVELS.join(', ')}`);
  return value;
}

function parseInteger(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('expected a whole number');
  return Number(value.trim());
}

/** `50/100` → 50 per second, bursts of 100; `50` → burst = rate. */
export function parseRate(value: string): { ratePerSec: number; burst: number } {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(\d+)\s*)?$/.exec(value);
  const rate = Number(m?.[1]);
  const burst = m?.[2] === undefined ? rate : Number(m[2]);
  if (!m || !(rate > 0) || !(burst >= 1))
    throw new InvalidArgumentError('expected RATE or RATE/BURST, e.g. 50/100');
  return { ratePerSec: rate, burst };
}
