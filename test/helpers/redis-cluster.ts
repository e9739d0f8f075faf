/**
 * Multi-node helpers: randchat server nodes sharing one test Redis, either as child processes
 * (`randchat server --redis … --port 0`, for kill -9) or in process (`startServer` with the Redis
 * broker), and a readiness wait on `GET /readyz`.
 */
import { redisBroker, type RedisBrokerOptions } from '../../src/signaling/server/redis-broker.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/signaling/server/index.js';
import { spawnServer, type ServerProcess } from './server-process.js';

let namespaces = 0;
/** A namespace of its own for each test, so tests sharing one redis-server never see each other. */
export const freshNamespace = (): string => `t${process.pid}-${++namespaces}`;

export async function status(port: number, path: string): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}${path}`)).status;
  } catch {
    return 0;
  }
}

/** Polls `GET /readyz` until it answers `want` (200 by default); returns how long it took. */
export async function waitReadyz(port: number, timeoutMs = 10_000, want = 200): Promise<number> {
  const t0 = Date.now();
  while ((await status(port, '/readyz')) !== want) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`/readyz on ${port} not ${want} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - t0;
}

/**
 * `randchat server --redis <url>` as a child process, ready. Kill it with `killAll()` (cli-process).
 * Child nodes use the default namespace: give each test its own database (`redis://…/N`).
 */
export async function spawnNode(redisUrl: string, args: string[] = []): Promise<ServerProcess> {
  const node = await spawnServer(['--redis', redisUrl, '--log-level', 'warn', ...args]);
  await waitReadyz(node.port);
  return node;
}

/** An in-process node on port 0 with the Redis broker, ready. Close it in afterEach. */
export async function startNode(redis: RedisBrokerOptions, opts: ServerOptions = {}): Promise<RunningServer> {
  const srv = await startServer({ host: '127.0.0.1', port: 0, ...opts, broker: redisBroker(redis) });
  await waitReadyz(srv.port);
  return srv;
}
