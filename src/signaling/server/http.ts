/**
 * The plain-HTTP side of the server: `GET /healthz`, `GET /metrics` (Prometheus) and JSON 404s. WebSocket upgrades are handled
 * in server.ts.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PROTOCOL_VERSION } from '../protocol.js';
import type { BrokerStats } from './broker.js';

export interface Health {
  ok: true;
  version: string;
  protocol: number;
  connections: number;
  waiting: number;
  matches: number;
  uptimeMs: number;
}

export interface HealthSource {
  version: string;
  startedAt: number;
  now(): number;
  connections(): number;
  stats(): BrokerStats | Promise<BrokerStats>;
  /** Whether the broker can serve (`GET /readyz`: 200 or 503). Absent: always ready. */
  ready?: () => boolean | Promise<boolean>;
  /** The Prometheus exposition for `GET /metrics`. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
}

export function createHttpHandler(src: HealthSource): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics' && src.metrics && req.method === 'GET') {
      src.metrics().then(
        ({ contentType, body }) => {
          res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
          res.end(body);
        },
        () => json(res, 500, { ok: false, error: 'metrics unavailable' }),
      );
      return;
    }
    if (path === '/readyz' && (req.method === 'GET' || req.method === 'HEAD')) {
      Promise.resolve()
        .then(() => src.ready?.() ?? true)
        .then(
          (ok) =>
            ok ? json(res, 200, { ok: true }) : json(res, 503, { ok: false, error: 'broker unavailable' }),
          () => json(res, 503, { ok: false, error: 'broker unavailable' }),
        );
      return;
    }
    if (path !== '/healthz') return json(res, 404, { ok: false, error: 'not found' });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return json(res, 405, { ok: false, error: 'method not allowed' });
    }
    Promise.resolve()
      .then(() => src.stats())
      .then(
        (stats) => {
          const body: Health = {
            ok: true,
            version: src.version,
            protocol: PROTOCOL_VERSION,
            connections: src.connections(),
            waiting: stats.waiting,
            matches: stats.matches,
            uptimeMs: src.now() - src.startedAt,
          };
          json(res, 200, body);
        },
        () => json(res, 503, { ok: false, error: 'broker unavailable' }),
      );
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

let cachedVersion: string | undefined;

/** randchat's version from its package.json (same relative path from src/ and dist/). */
export function packageVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  cachedVersion = '0.0.0';
  for (const rel of ['../../../package.json', '../../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as unknown;
      if (
        typeof pkg === 'object' &&
        pkg !== null &&
        'name' in pkg &&
        pkg.name === 'randchat' &&
        'version' in pkg
      ) {
        cachedVersion = String(pkg.version);
        break;
      }
    } catch {
      // try the next candidate
    }
  }
  return cachedVersion;
}
