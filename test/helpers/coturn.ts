/**
 * A real coturn `turnserver` on 127.0.0.1 for relay tests: REST-API auth (`use-auth-secret`), a free
 * listening port, a small relay port range, no TLS/DTLS, no CLI, logs on stdout (kept for failure
 * messages). Loopback peers are allowed because everything in the tests runs on 127.0.0.1 — a
 * production coturn must deny them (docs/turn.md).
 *
 * `coturnMissing()` skips loudly when turnserver is not installed (fails under RANDCHAT_TEST_STRICT=1).
 * Readiness is a STUN Binding answered on the port; `stop()` is idempotent (SIGTERM, then SIGKILL).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from './require-binary.js';

export const TURN_BIN = process.env.RANDCHAT_TURNSERVER ?? 'turnserver';

/** True (after a loud warning) when the tests must skip; throws under RANDCHAT_TEST_STRICT=1. */
export function coturnMissing(): boolean {
  const found = spawnSync(TURN_BIN, ['--version'], { stdio: 'ignore' }).error === undefined;
  return requireBinary('turnserver (coturn)', found, 'apt-get install coturn');
}

export interface Coturn {
  port: number;
  secret: string;
  realm: string;
  /** `turn:127.0.0.1:PORT?transport=udp` */
  url: string;
  /** The relay port range: every relayed address uses a port in it. */
  relayPorts: [number, number];
  log(): string;
  stop(): Promise<void>;
}

/** Builds coturn's arguments (pure). */
export function coturnArgs(o: {
  port: number;
  minPort: number;
  secret: string;
  realm: string;
  dir: string;
}): string[] {
  return [
    '-n', // no config file
    '--listening-ip=127.0.0.1',
    '--relay-ip=127.0.0.1',
    `--listening-port=${o.port}`,
    `--min-port=${o.minPort}`,
    `--max-port=${o.minPort + 39}`,
    '--allow-loopback-peers', // tests only: every peer is on 127.0.0.1
    '--no-multicast-peers',
    '--denied-peer-ip=169.254.0.0-169.254.255.255',
    '--use-auth-secret',
    `--static-auth-secret=${o.secret}`,
    `--realm=${o.realm}`,
    '--no-tls',
    '--no-dtls',
    '--no-cli',
    '--log-file=stdout',
    '--simple-log',
    `--pidfile=${join(o.dir, 'turnserver.pid')}`,
    `--userdb=${join(o.dir, 'turndb')}`,
  ];
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export async function startCoturn(): Promise<Coturn> {
  const dir = mkdtempSync(join(tmpdir(), 'randchat-coturn-'));
  const port = await freePort();
  const secret = randomBytes(24).toString('base64url');
  const realm = 'randchat.test';
  const minPort = 41000 + Math.floor(Math.random() * 400) * 40;
  const child = spawn(TURN_BIN, coturnArgs({ port, minPort, secret, realm, dir }), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await kill(child, exited);
      rmSync(dir, { recursive: true, force: true });
    })());
  try {
    await Promise.race([
      stunReady(port, 10_000),
      exited.then(() => Promise.reject(new Error(`turnserver exited early:\n${out.slice(-2000)}`))),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  const url = `turn:127.0.0.1:${port}?transport=udp`;
  return { port, secret, realm, url, relayPorts: [minPort, minPort + 39], log: () => out, stop };
}

async function kill(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const escalate = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 2000);
  });
  await Promise.race([exited, escalate]);
  clearTimeout(timer);
  await exited;
}

/** Resolves once a STUN Binding request to 127.0.0.1:port is answered (re-sent every 100 ms). */
function stunReady(port: number, timeoutMs: number): Promise<void> {
  const sock = createSocket('udp4');
  const request = Buffer.alloc(20);
  request.writeUInt16BE(0x0001, 0); // Binding request, no attributes
  request.writeUInt32BE(0x2112a442, 4); // magic cookie
  randomBytes(12).copy(request, 8);
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error): void => {
      clearInterval(resend);
      clearTimeout(deadline);
      sock.close();
      if (err) reject(err);
      else resolve();
    };
    const send = (): void => sock.send(request, port, '127.0.0.1');
    const resend = setInterval(send, 100);
    const deadline = setTimeout(() => done(new Error(`turnserver not answering on ${port}`)), timeoutMs);
    sock.on('message', (msg) => {
      if (msg.length >= 20 && msg.subarray(8, 20).equals(request.subarray(8, 20))) done();
    });
    sock.on('error', (err) => done(err));
    sock.bind(0, '127.0.0.1', send);
  });
}
