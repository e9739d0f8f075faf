/**
 * `randchat server`: the NAT-traversal, privacy and abuse-control flags turned into server options
 * (secrets from env or files, TLS material), the JSON (pino) logger, and SIGHUP → reload the bans.
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ServerOptions } from '../signaling/server/index.js';
import type { Logger } from '../util/logger.js';
import { createPinoLogger } from '../util/pino-logger.js';
import type { Env } from './deps.js';
import type { CommonFlags, ServerFlags } from './flags.js';

export type NetOptionsResult =
  { ok: true; options: ServerOptions; warnings: string[] } | { ok: false; message: string };

/** Reads the files the flags name; never throws (a problem is a message for stderr, exit 2). */
export async function serverNetOptions(flags: ServerFlags, env: Env): Promise<NetOptionsResult> {
  const o: ServerOptions = {};
  const warnings: string[] = [];
  try {
    if (flags.stun.length > 0) o.stun = flags.stun;
    if (flags.turn.length > 0) o.turn = flags.turn;
    if (flags.turnTtl !== undefined) o.turnTtlSec = flags.turnTtl;
    if (flags.maxBufferedBytes !== undefined) o.maxBufferedBytes = flags.maxBufferedBytes;
    if (flags.allowOrigin.length > 0) o.allowOrigins = flags.allowOrigin;
    if (flags.banFile !== undefined) o.banFile = flags.banFile;
    const turnSecret = await secret(flags.turnSecretFile, env['RANDCHAT_TURN_SECRET'], '--turn-secret-file');
    if (turnSecret !== undefined) o.turnSecret = turnSecret;
    if (flags.turn.length > 0 && turnSecret === undefined) {
      warnings.push(
        '--turn without RANDCHAT_TURN_SECRET or --turn-secret-file: clients get no TURN credentials',
      );
    }
    const serverSecret = await secret(flags.secretFile, env['RANDCHAT_SERVER_SECRET'], '--secret-file');
    if (serverSecret !== undefined) o.secret = serverSecret;
    if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
      return { ok: false, message: '--tls-cert and --tls-key go together' };
    }
    if (flags.tlsCert !== undefined && flags.tlsKey !== undefined) {
      o.tls = { cert: await readFile(flags.tlsCert), key: await readFile(flags.tlsKey) };
    }
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  return { ok: true, options: o, warnings };
}

/** A secret from its file (first line, trimmed) or else from the environment. */
async function secret(
  file: string | undefined,
  fromEnv: string | undefined,
  flag: string,
): Promise<string | undefined> {
  if (file !== undefined) {
    const value = (await readFile(file, 'utf8')).split(/\r?\n/, 1)[0]?.trim() ?? '';
    if (value.length < 16) throw new Error(`${flag}: the secret in ${file} is shorter than 16 characters`);
    return value;
  }
  const value = fromEnv?.trim();
  return value ? value : undefined;
}

/** JSON lines (pino) on stderr, or appended to --log-file. */
export function openServerLogger(
  flags: CommonFlags,
  writeErr: (text: string) => void,
): { logger: Logger; close(): Promise<void> } {
  if (flags.logFile) {
    const stream = createWriteStream(flags.logFile, { flags: 'a' });
    stream.on('error', () => undefined);
    const write = (line: string): void => void stream.write(line);
    return {
      logger: createPinoLogger({ level: flags.logLevel, name: 'server', write }),
      close: () => new Promise((resolve) => stream.end(resolve)),
    };
  }
  return {
    logger: createPinoLogger({ level: flags.logLevel, name: 'server', write: writeErr }),
    close: async () => undefined,
  };
}

/** Calls `reload` on SIGHUP (the ban file); returns the unsubscribe function. */
export function onHangup(reload: () => void): () => void {
  process.on('SIGHUP', reload);
  return () => void process.off('SIGHUP', reload);
}
