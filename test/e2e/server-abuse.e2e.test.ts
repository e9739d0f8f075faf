/**
 * Abuse controls end to end on a real port-0 server with raw clients: slow consumers, bans (file
 * reload and SIGHUP-style reload), the origin allow-list, TLS, /metrics, block and report.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:https';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { SignalingClient } from '../../src/signaling/client.js';
import {
  CloseCodes,
  startServer,
  type RunningServer,
  type ServerOptions,
} from '../../src/signaling/server/index.js';
import type { Logger } from '../../src/util/logger.js';
import { selfSignedCert } from '../helpers/tls-cert.js';
import { closeAllClients, TestClient, waitUntil } from '../helpers/ws-client.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await closeAllClients();
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function server(opts: ServerOptions = {}): Promise<RunningServer> {
  const s = await startServer({ host: '127.0.0.1', port: 0, ...opts });
  cleanups.push(() => s.close());
  return s;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'randchat-abuse-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A Logger that keeps every entry (for asserting structured log lines). */
function recordingLogger(entries: { level: string; msg: string; fields: Record<string, unknown> }[]): Logger {
  const at =
    (level: string) =>
    (msg: string, fields: Record<string, unknown> = {}): void =>
      void entries.push({ level, msg, fields });
  const logger: Logger = {
    level: 'debug',
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    child: () => logger,
  };
  return logger;
}

async function metrics(srv: RunningServer): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${srv.port}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
}

async function matched(srv: RunningServer, identity?: string, blockTags?: string[]) {
  const hello = { ...(identity ? { identity } : {}), ...(blockTags ? { blockTags } : {}) };
  const { client } = await TestClient.hello(srv.url, hello);
  client.send({ type: 'join' });
  return client;
}

describe('slow consumers', () => {
  it('disconnects a client whose send buffer passes the cap (4011, ERR_SLOW_CONSUMER)', async () => {
    const flood = { ratePerSec: 100_000, burst: 100_000 };
    const srv = await server({ maxBufferedBytes: 64 * 1024, messageRate: flood, maxMessageBytes: 64 * 1024 });
    const slow = await matched(srv);
    const fast = await matched(srv);
    const m = await fast.next('matched');
    await slow.next('matched');
    slow.ws.pause(); // stops reading: the kernel buffers fill, then the server's
    const sdp = 'x'.repeat(30_000);
    const data = { kind: 'description', type: 'offer', sdp };
    for (let i = 0; i < 1500 && fast.isOpen; i++)
      fast.send({ type: 'signal', matchId: m.matchId, gen: 0, data });
    await fast.next('partner-reconnecting', 15_000);
    slow.ws.resume();
    const { code } = await slow.closed;
    expect([CloseCodes.SLOW_CONSUMER, 1006]).toContain(code);
    expect(await metrics(srv)).toMatch(/randchat_errors_total\{code="ERR_SLOW_CONSUMER"\} 1/);
  });
});

describe('bans', () => {
  it('refuses banned addresses, drops live ones when the file changes, and reloads on demand', async () => {
    const file = join(tempDir(), 'bans.txt');
    writeFileSync(file, '# nobody yet\n');
    const srv = await server({ banFile: file, secret: 'a-stable-server-secret' });
    const live = await matched(srv);
    await live.next('queued');

    writeFileSync(file, '127.0.0.1   # the test client\n');
    await live.error(ErrorCodes.BANNED, 5000); // the watcher reloaded the file
    expect((await live.closed).code).toBe(CloseCodes.BANNED);
    const refused = await TestClient.connect(srv.url);
    await refused.error(ErrorCodes.BANNED);
    expect((await refused.closed).code).toBe(CloseCodes.BANNED);

    writeFileSync(file, `127.0.0.1 ${new Date(Date.now() - 1000).toISOString()}  # expired\n`);
    expect(await srv.reloadBans()).toBe(1);
    const { client } = await TestClient.hello(srv.url);
    expect(client.isOpen).toBe(true);
    expect(await metrics(srv)).toMatch(/randchat_connections_rejected_total\{reason="banned"\} 1/);
  });
});

describe('origin allow-list', () => {
  it('answers 403 at the upgrade for another Origin; no Origin (CLI clients) is fine', async () => {
    const srv = await server({ allowOrigins: ['https://chat.example'] });
    await TestClient.hello(srv.url, {}, { origin: 'https://chat.example' });
    await TestClient.hello(srv.url);
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(srv.url, { origin: 'https://evil.example' });
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.once('open', () => reject(new Error('opened')));
      ws.once('error', () => undefined);
    });
    expect(status).toBe(403);
  });
});

describe('TLS', () => {
  it('serves wss:// and https:// with the given certificate; clients trust it with a custom CA', async () => {
    const tls = selfSignedCert();
    cleanups.push(() => tls.dispose());
    const srv = await server({ tls: { cert: tls.cert, key: tls.key } });
    expect(srv.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
    const { welcome } = await TestClient.hello(srv.url, {}, { ca: tls.cert });
    expect(welcome.v).toBe(1);

    const client = new SignalingClient({ url: srv.url, ca: tls.cert });
    cleanups.push(() => client.close());
    expect((await client.connect()).type).toBe('welcome');
    const untrusting = new SignalingClient({ url: srv.url, connectTimeoutMs: 3000 });
    cleanups.push(() => untrusting.close());
    await expect(untrusting.connect()).rejects.toMatchObject({ code: ErrorCodes.SIGNALING_UNREACHABLE });

    const status = await new Promise<number>((resolve, reject) => {
      const agent = new Agent({ ca: tls.cert });
      request(`https://127.0.0.1:${srv.port}/healthz`, { agent }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(200);
  });
});

describe('metrics', () => {
  it('counts connections, matches, wait times, relayed signals and errors, per server', async () => {
    const srv = await server();
    const other = await server();
    const a = await matched(srv);
    const b = await matched(srv);
    const m = await a.next('matched');
    await b.next('matched');
    a.send({ type: 'signal', matchId: m.matchId, gen: 0, data: { kind: 'end-of-candidates' } });
    await b.next('signal');
    a.sendRaw('{nope');
    await a.error(ErrorCodes.BAD_JSON);
    const text = await metrics(srv);
    expect(text).toMatch(/^randchat_connections 2$/m);
    expect(text).toMatch(/^randchat_matches_total 1$/m);
    expect(text).toMatch(/^randchat_matches_active 1$/m);
    expect(text).toMatch(/^randchat_waiting 0$/m);
    expect(text).toMatch(/^randchat_match_wait_seconds_count 2$/m);
    expect(text).toMatch(/^randchat_signals_relayed_total 1$/m);
    expect(text).toMatch(/^randchat_errors_total\{code="ERR_BAD_JSON"\} 1$/m);
    expect(await metrics(other)).toMatch(/^randchat_matches_total 0$/m);
  });
});

describe('block and report', () => {
  const idA = 'identity-of-a-0123456789';
  const idB = 'identity-of-b-0123456789';

  it('never rematches a blocked stranger, within the session and after reconnecting with the tag', async () => {
    const srv = await server({ secret: 'a-stable-server-secret' });
    const a = await matched(srv, idA);
    const b = await matched(srv, idB);
    const ma = await a.next('matched');
    expect(ma.peerTag).toMatch(/^[\w-]{20,128}$/);
    const mb = await b.next('matched');
    expect(mb.peerTag).not.toBe(ma.peerTag);
    a.send({ type: 'block' });
    a.send({ type: 'next' });
    await b.next('partner-left');
    b.send({ type: 'join' });
    await Promise.all([a.sync(), b.sync()]);
    expect(a.types()).not.toContain('matched');
    expect(b.types()).not.toContain('matched');
    const c = await matched(srv);
    await c.next('matched');

    // New sessions (new sockets, no resume token): the tag and the identities carry the block.
    await Promise.all([a.close(), b.close(), c.close()]);
    const a2 = await matched(srv, idA, [ma.peerTag!]);
    const b2 = await matched(srv, idB);
    await Promise.all([a2.sync(), b2.sync()]);
    expect([...a2.types(), ...b2.types()]).not.toContain('matched');
    const d = await matched(srv);
    await d.next('matched');
  });

  it('logs a structured report with hashed addresses, and answers ERR_NO_STRANGER without a stranger', async () => {
    const entries: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
    const srv = await server({ logger: recordingLogger(entries) });
    const lonely = await matched(srv);
    lonely.send({ type: 'report', reason: 'nobody' });
    await lonely.error(ErrorCodes.NO_STRANGER);
    lonely.send({ type: 'block' });
    await lonely.error(ErrorCodes.NO_STRANGER);
    const b = await matched(srv);
    const mb = await b.next('matched');
    await lonely.next('matched');
    b.send({ type: 'next' });
    await lonely.next('partner-left');
    lonely.send({ type: 'report', reason: 'spam links' });
    await waitUntil(() => entries.some((e) => e.msg === 'abuse report'), 2000, 'the report');
    const report = entries.find((e) => e.msg === 'abuse report')!;
    expect(report.level).toBe('warn');
    expect(report.fields).toMatchObject({ matchId: mb.matchId, reason: 'spam links' });
    expect(report.fields['reporterIpHash']).toMatch(/^[0-9a-f]{20}$/);
    expect(report.fields['reportedIpHash']).toBe(report.fields['reporterIpHash']);
    expect(JSON.stringify(entries)).not.toContain('127.0.0.1');
    expect(entries.filter((e) => e.level === 'info').map((e) => e.msg)).toEqual(
      expect.arrayContaining(['connect', 'hello', 'match', 'leave']),
    );
  });
});
