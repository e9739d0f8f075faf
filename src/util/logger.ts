/**
 * A tiny levelled logger that writes one line per call to a sink (stderr by default).
 * Never writes to stdout: stdout is for data (`--json`, the server URL line).
 */
export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';
const RANK: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

export interface Logger {
  readonly level: LogLevel;
  error(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  child(name: string): Logger;
}

export function isLogLevel(v: unknown): v is LogLevel {
  return typeof v === 'string' && v in RANK;
}

export function createLogger(
  options: { level?: LogLevel; name?: string; write?: (line: string) => void } = {},
): Logger {
  const level = options.level ?? 'warn';
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const name = options.name;
  const log =
    (l: Exclude<LogLevel, 'silent'>) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (RANK[l] > RANK[level]) return;
      const extra = fields && Object.keys(fields).length > 0 ? ' ' + safeJson(fields) : '';
      write(`[randchat${name ? ':' + name : ''}] ${l}: ${msg}${extra}`);
    };
  return {
    level,
    error: log('error'),
    warn: log('warn'),
    info: log('info'),
    debug: log('debug'),
    child: (child: string) => createLogger({ level, write, name: name ? `${name}:${child}` : child }),
  };
}

export const silentLogger: Logger = createLogger({ level: 'silent' });

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, val: unknown) => (val instanceof Error ? { message: val.message } : val));
  } catch {
    return '[unserialisable]';
  }
}
