/** Where logs go: a file when --log-file is given, else stderr — except under the Ink UI, where stderr would garble the screen. */
import { createWriteStream } from 'node:fs';
import { createLogger, silentLogger, type Logger, type LogLevel } from '../util/logger.js';

export interface CliLogger {
  logger: Logger;
  close(): Promise<void>;
}

export function openLogger(opts: {
  level: LogLevel;
  file?: string | undefined;
  /** false under the Ink UI. */
  stderrAllowed: boolean;
  writeErr: (text: string) => void;
  name?: string;
}): CliLogger {
  const name = opts.name ?? 'cli';
  if (opts.file) {
    const stream = createWriteStream(opts.file, { flags: 'a' });
    stream.on('error', () => undefined);
    const write = (line: string): void => void stream.write(`${new Date().toISOString()} ${line}\n`);
    return {
      logger: createLogger({ level: opts.level, name, write }),
      close: () => new Promise((resolve) => stream.end(resolve)),
    };
  }
  if (!opts.stderrAllowed) return { logger: silentLogger, close: async () => undefined };
  return {
    logger: createLogger({ level: opts.level, name, write: (line) => opts.writeErr(line + '\n') }),
    close: async () => undefined,
  };
}
