/**
 * The signaling/matchmaking server: HTTP(S) (`/healthz`, `/metrics`) plus WebSocket on any path.
 * Refused at the door: other origins (403, `--allow-origin`), banned addresses (4010), too many
 * connections per address (4009).
 * Sockets become broker events (connection.ts); the broker's effects come back through a Delivery
 * that maps sessions to local sockets. One interval sweeps heartbeats for all connections.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { ErrorCodes } from '../../errors.js';
import type { Timer } from '../../util/clock.js';
import { encode, type ServerMessage } from '../protocol.js';
import { BanList } from './bans.js';
import type { Broker, Delivery } from './broker.js';
import { CloseCodes } from './close-codes.js';
import { Connection, ServerSocket, type ConnectionHost } from './connection.js';
import { createHttpHandler, packageVersion } from './http.js';
import { ServerObserver } from './observer.js';
import { resolveOptions, type ServerOptions } from './options.js';
import { ConnectionCounter } from './rate-limit.js';
import { withIceServers } from './secrets.js';
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
  /** Re-reads the ban file (also done on change; the CLI calls it on SIGHUP). Resolves with the ban count. */
  reloadBans(): Promise<number>;
  /** This server's Prometheus registry (served at `GET /metrics`). */
  readonly observer: ServerObserver;
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
  const observer = new ServerObserver(
    { now: () => clock.now(), connections: () => conns.size, stats: () => broker.stats() },
    logger,
  );
  const ice = {
    stun: opts.stun,
    turn: opts.turn,
    turnSecret: opts.turnSecret ?? undefined,
    turnTtlSec: opts.turnTtlSec,
    fixed: opts.iceServers,
  };
  const decorate = (msg: ServerMessage, session: SessionId): ServerMessage =>
    withIceServers(msg, ice, session, clock.now());
  const bans = opts.banFile
    ? new BanList(opts.banFile, opts.keys.ipHash, logger, () => {
        for (const conn of conns.values()) {
          if (!isBanned(conn.ipHash)) continue;
          conn.error(ErrorCodes.BANNED, 'this address is banned');
          conn.close(CloseCodes.BANNED, 'banned');
        }
      })
    : null;
  const isBanned = (ipHash: string): boolean => bans?.isBanned(ipHash, clock.now()) ?? false;
  const refuseBanned = (ws: WebSocket): void => {
    const message = 'this address is banned';
    ws.send(encode({ type: 'error', code: ErrorCodes.BANNED, message }));
    ws.close(CloseCodes.BANNED, 'banned');
  };

  const delivery: Delivery = {
    bind(connId, session) {
      const conn = conns.get(connId);
      if (!conn || conn.ws.readyState !== WebSocket.OPEN) {
        // The socket went away before the broker answered: that is a socket loss.
        queueMicrotask(() => broker.dispatch({ type: 'socket-lost', session }));
        return;
      }
      bySession.set(session, conn);
      conn.bind(session);
    },
    send(session, msg) {
      bySession.get(session)?.send(decorate(msg, session));
    },
    sendEncoded(session, _type, text) {
      // Only signals come this way: nothing to decorate.
      bySession.get(session)?.sendEncoded(text);
    },
    report(r) {
      observer.report(r);
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
    registry: observer.registry,
    config: {
      graceMs: opts.graceMs,
      interestWindowMs: opts.interestWindowMs,
      peerTag: opts.keys.peerTag,
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
    observer,
    onClosed(conn) {
      conns.delete(conn.id);
      perIp.release(conn.ip);
      observer.closed(conn.id, conn.sessionId, conn.closeCode);
      const session = conn.sessionId;
      if (session === null || bySession.get(session) !== conn) return;
      bySession.delete(session);
      if (!closing) broker.dispatch({ type: 'socket-lost', session });
    },
  };

  const handler = createHttpHandler({
    version: opts.version,
    startedAt,
    now: () => clock.now(),
    connections: () => conns.size,
    stats: () => broker.stats(),
    ready: () => broker.ready?.() ?? true,
    metrics: () => observer.scrape(),
  });
  const http = opts.tls ? createHttpsServer({ ...opts.tls }, handler) : createServer(handler);
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
    const ipHash = opts.keys.ipHash(ip);
    if (isBanned(ipHash)) {
      observer.rejected('banned', ipHash);
      rejected.add(ws);
      ws.on('error', () => undefined);
      ws.on('close', () => rejected.delete(ws));
      return refuseBanned(ws);
    }
    if (!perIp.tryAcquire(ip)) {
      observer.rejected('per-ip', ipHash);
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
    observer.connected(conn.id, conn.ipHash);
    conn.start();
  }

  http.on('upgrade', (req, socket, head) => {
    if (closing) return void socket.destroy();
    const origin = req.headers.origin;
    if (origin !== undefined && opts.allowOrigins.length > 0 && !opts.allowOrigins.includes(origin)) {
      observer.rejected('origin', opts.keys.ipHash(req.socket.remoteAddress ?? 'unknown'));
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
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
  await bans?.start();
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
    bans?.close();
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
    url: `${opts.tls ? 'wss' : 'ws'}://${urlHost}:${address.port}`,
    port: address.port,
    host: opts.host,
    close: (reason = 'server shutting down') => (closing ??= shutdown(reason)),
    connectionCount: () => conns.size,
    reloadBans: () => bans?.reload() ?? Promise.resolve(0),
    observer,
  };
}
