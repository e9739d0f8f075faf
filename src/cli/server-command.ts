/** `randchat server`: the signaling server in the foreground. The URL is the only stdout line. */
import { randomBytes } from 'node:crypto';
import { ExitCodes, type ExitCode } from '../errors.js';
import type { ServerOptions } from '../signaling/server/index.js';
import type { CliDeps } from './deps.js';
import type { ServerFlags } from './flags.js';
import { onHangup, openServerLogger, serverNetOptions } from './server-net.js';
import { safeLine } from './terminal-text.js';

/** Maps parsed flags onto server options (only the ones given; the server owns the defaults). */
export function serverOptionsFromFlags(flags: ServerFlags): ServerOptions {
  const o: ServerOptions = { host: flags.host, port: flags.port };
  if (flags.graceMs !== undefined) o.graceMs = flags.graceMs;
  if (flags.heartbeatMs !== undefined) o.heartbeatMs = flags.heartbeatMs;
  if (flags.helloTimeoutMs !== undefined) o.helloTimeoutMs = flags.helloTimeoutMs;
  if (flags.interestWindowMs !== undefined) o.interestWindowMs = flags.interestWindowMs;
  if (flags.maxConnectionsPerIp !== undefined) o.maxConnectionsPerIp = flags.maxConnectionsPerIp;
  if (flags.maxMessageBytes !== undefined) o.maxMessageBytes = flags.maxMessageBytes;
  if (flags.maxProtocolErrors !== undefined) o.maxProtocolErrors = flags.maxProtocolErrors;
  if (flags.floodCloseAfter !== undefined) o.floodCloseAfter = flags.floodCloseAfter;
  if (flags.shutdownTimeoutMs !== undefined) o.shutdownTimeoutMs = flags.shutdownTimeoutMs;
  if (flags.messageRate !== undefined) o.messageRate = flags.messageRate;
  if (flags.joinRate !== undefined) o.joinRate = flags.joinRate;
  if (flags.iceServer.length > 0) o.iceServers = flags.iceServer.map((urls) => ({ urls }));
  return o;
}

export async function runServer(flags: ServerFlags, deps: CliDeps): Promise<ExitCode> {
  const log = openServerLogger(flags, deps.writeErr);
  const chatter = (text: string): void => {
    if (flags.logLevel !== 'silent') deps.writeErr(`randchat: ${text}\n`);
  };
  try {
    const { startServer } = await import('../signaling/server/index.js');
    const options = serverOptionsFromFlags(flags);
    const net = await serverNetOptions(flags, deps.env);
    if (!net.ok) {
      deps.writeErr(`randchat: ${safeLine(net.message)}\n`);
      return ExitCodes.USAGE;
    }
    Object.assign(options, net.options);
    for (const w of net.warnings) chatter(w);
    if (flags.redis !== undefined) {
      const { redisBroker } = await import('../signaling/server/redis-broker.js');
      const nodeId = randomBytes(6).toString('base64url');
      options.broker = redisBroker({ url: flags.redis, nodeId });
      chatter(`broker: redis (node ${nodeId}) at ${safeLine(redactUrl(flags.redis))}`);
    } else {
      chatter('broker: memory');
    }
    let server;
    try {
      server = await startServer({ ...options, version: deps.version, logger: log.logger });
    } catch (err) {
      const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
      const why =
        code === 'EADDRINUSE'
          ? 'the address is already in use'
          : err instanceof Error
            ? err.message
            : String(err);
      deps.writeErr(`randchat: cannot listen on ${safeLine(flags.host)}:${flags.port}: ${safeLine(why)}\n`);
      return ExitCodes.FAILURE;
    }
    deps.writeOut(`${server.url}\n`);
    chatter(`signaling server listening on ${server.url} (Ctrl+C to stop)`);
    const running = server;
    const offHangup = onHangup(() => void running.reloadBans());
    await new Promise<void>((resolve) => {
      const off = deps.onSignal(() => {
        off();
        resolve();
      });
    });
    offHangup();
    chatter('shutting down…');
    await server.close('server shutting down');
    return ExitCodes.OK;
  } finally {
    await log.close();
  }
}

/** The URL without its password, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*:)?[^@/]*@/, (_m, user: string | undefined) => `//${user ?? ''}***@`);
}
