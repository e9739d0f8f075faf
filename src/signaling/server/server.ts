/**
 * The signaling/matchmaking server: HTTP (`/healthz`) plus WebSocket on any path.
 * Sockets become broker events (connection.ts); the broker's effects come back through a Delivery
 * that maps sessions to local sockets. One interval sweeps heartbeats for all connections.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { ErrorCodes } from '../../errors.js';
import type { Timer } from '../../util/clock.js';
import { encode } from '../protocol.js';
import type { Broker, Delivery } from './broker.js';
import { CloseCodes } from './close-codes.js';
import { Connection, ServerSocket, type ConnectionHost } from './connection.js';
import { createHttpHandler, packageVersion } from './http.js';
import { resolveOptions, type ServerOptions } from './options.js';
import { ConnectionCounter } from './rate-limit.js';
import type { ConnId, SessionId } from './state.js';

export { CloseCodes } from './close-codes.js';
export { DEFAULT_PORT, DEFAULT_HOST, type ServerOptions } from './options.js';

export interface RunningServer {
  /** `ws://host:port` */
  url: string;
  port: number;
  host: string;
  /** Graceful: `shutdown` to every client, close 1001, stop listening. Idempotent. */
  close(reason?: string): Promise<void>;
  connectionCount(): number;
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const opts = resolveOptions(options, options.version ?? packageVersion());
  const { clock, logger } = opts;
  const startedAt = clock.now();
  const conns = new Map<ConnId, Connection>();
  const bySession = new Map<SessionId, Connection>();
  const rejected = new Set<WebSocket>();
  const perIp = new ConnectionCounter(opts.maxConnectionsPerIp);
  let nextConnId = 1;
  let closing: Promise<void> | null = null;

  const delivery: Delivery = {
    bind(connId, session) {
      const conn = conns.get(connId);
      if (!conn || conn.ws.readyState !== WebSocket.OPEN) {
        // The socket went away before the broker answered: that is a socket loss.
        queueMicrotask(() => broker.dispatch({ type: 'socket-lost', session }));
        return;
      }
      conn.sessionId = session;
      bySession.set(session, conn);
    },
    send(session, msg) {
      bySession.get(session)?.send(msg);
    },
    close(session, code, reason) {
      const conn = bySession.get(session);
      if (!conn) return;
      bySession.delete(session);
      conn.sessionId = null;
      conn.close(code, reason);
    },
  };
  const broker: Broker = opts.broker({
    delivery,
    clock,
    logger,
    rng: opts.rng,
    config: {
      graceMs: opts.graceMs,
      interestWindowMs: opts.interestWindowMs,
      welcome: {
        heartbeatMs: opts.heartbeatMs,
        iceServers: opts.iceServers,
        maxMessageBytes: opts.maxMessageBytes,
      },
    },
  });
  const host: ConnectionHost = {
    opts,
    broker,
    onClosed(conn) {
      conns.delete(conn.id);
      perIp.release(conn.ip);
      const session = conn.sessionId;
      if (session === null || bySession.get(session) !== conn) return;
      bySession.delete(session);
      if (!closing) broker.dispatch({ type: 'socket-lost', session });
    },
  };

  const http = createServer(
    createHttpHandler({
      version: opts.version,
      startedAt,
      now: () => clock.now(),
      connections: () => conns.size,
      stats: () => broker.stats(),
    }),
  );
  const wss = new WebSocketServer({
    WebSocket: ServerSocket,
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: opts.maxMessageBytes * 2,
  });

  function onConnection(ws: ServerSocket, req: IncomingMessage): void {
    const ip = req.socket.remoteAddress ?? 'unknown';
    if (closing) return void ws.terminate();
    if (!perIp.tryAcquire(ip)) {
      rejected.add(ws);
      ws.on('error', () => undefined);
      ws.on('close', () => rejected.delete(ws));
      const message = `at most ${opts.maxConnectionsPerIp} connections per address`;
      ws.send(encode({ type: 'error', code: ErrorCodes.TOO_MANY_CONNECTIONS, message }));
      ws.close(CloseCodes.TOO_MANY_CONNECTIONS, 'too many connections');
      return;
    }
    const conn = new Connection(nextConnId++, ws, ip, host);
    conns.set(conn.id, conn);
    conn.start();
  }

  http.on('upgrade', (req, socket, head) => {
    if (closing) return void socket.destroy();
    try {
      wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req));
    } catch (err) {
      logger.warn('upgrade failed', { err });
      socket.destroy();
    }
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, opts.host, () => {
      http.off('error', reject);
      resolve();
    });
  }).catch(async (err: unknown) => {
    await broker.close();
    throw err;
  });
  http.on('error', (err) => logger.error('http server error', { err }));

  const sweep =
    opts.heartbeatMs > 0
      ? clock.setInterval(() => {
          for (const conn of conns.values()) {
            if (!conn.alive) {
              conn.ws.terminate();
              continue;
            }
            conn.alive = false;
            try {
              conn.ws.ping();
            } catch (err) {
              logger.debug('ping failed', { conn: conn.id, err });
            }
          }
        }, opts.heartbeatMs)
      : undefined;

  async function shutdown(reason: string): Promise<void> {
    clock.clearInterval(sweep);
    await broker.close();
    const closed: Promise<void>[] = [];
    for (const conn of conns.values()) {
      if (conn.ws.readyState === WebSocket.CLOSED) continue;
      closed.push(new Promise((resolve) => conn.ws.once('close', () => resolve())));
      conn.send({ type: 'shutdown', reason });
      conn.close(CloseCodes.GOING_AWAY, 'server shutdown');
    }
    for (const ws of rejected) ws.terminate();
    if (closed.length > 0) {
      let timer: Timer | undefined;
      await Promise.race([
        Promise.all(closed),
        new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, opts.shutdownTimeoutMs))),
      ]);
      clock.clearTimeout(timer);
    }
    for (const conn of conns.values()) conn.ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await new Promise<void>((resolve) => {
      http.close(() => resolve());
      http.closeAllConnections();
    });
  }

  const address = http.address() as AddressInfo;
  const urlHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `ws://${urlHost}:${address.port}`,
    port: address.port,
    host: opts.host,
    close: (reason = 'server shutting down') => (closing ??= shutdown(reason)),
    connectionCount: () => conns.size,
  };
}
