/** An in-process signaling server on 127.0.0.1 and a free port (for `--serve` and `demo`). */
import type { Logger } from '../util/logger.js';

export interface LocalServer {
  url: string;
  close(): Promise<void>;
}

export async function startLocalServer(opts: { logger: Logger; version: string }): Promise<LocalServer> {
  const { startServer } = await import('../signaling/server/index.js');
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    logger: opts.logger,
    version: opts.version,
  });
  return { url: server.url, close: () => server.close('randchat is quitting') };
}
