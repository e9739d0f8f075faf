/**
 * A pino-backed {@link Logger}: one JSON object per line (`{"level":30,"time":…,"name":"server",
 * "msg":"match",…}`), for `randchat server`, whose logs are read by machines. Errors passed as
 * `err` are serialised with pino's standard serializer (type, message, stack).
 */
import { pino, stdSerializers, type Logger as Pino } from 'pino';
import type { Logger, LogLevel } from './logger.js';

export interface PinoLoggerOptions {
  level?: LogLevel;
  name?: string;
  /** Receives each line (with its trailing newline). Default: stderr. */
  write?: (line: string) => void;
}

export function createPinoLogger(options: PinoLoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const base = pino(
    {
      level: level === 'silent' ? 'silent' : level,
      base: options.name === undefined ? null : { name: options.name },
      serializers: { err: stdSerializers.err },
    },
    { write },
  );
  return wrap(base, level);
}

function wrap(p: Pino, level: LogLevel): Logger {
  return {
    level,
    error: (msg, fields) => p.error(fields ?? {}, msg),
    warn: (msg, fields) => p.warn(fields ?? {}, msg),
    info: (msg, fields) => p.info(fields ?? {}, msg),
    debug: (msg, fields) => p.debug(fields ?? {}, msg),
    child: (name) => {
      const parent = p.bindings()['name'];
      return wrap(p.child({ name: typeof parent === 'string' ? `${parent}:${name}` : name }), level);
    },
  };
}
