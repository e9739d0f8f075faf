/**
 * The throwaway certificate the TLS tests and benches use (bench/lib/self-signed.mjs): both ways of
 * making it — openssl, and the Node-only fallback with its own small DER encoder — give a
 * certificate that a TLS client trusting it accepts for 127.0.0.1, and that one not trusting it
 * refuses.
 */
import { spawnSync } from 'node:child_process';
import { connect, createServer, type Server } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { requireBinary } from '../helpers/require-binary.js';
import { selfSignedCert, type SelfSigned } from '../helpers/tls-cert.js';

const NO_OPENSSL = requireBinary(
  'openssl',
  spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0,
  'the node:crypto certificate is still tested',
);
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A TLS echo-less server on 127.0.0.1:0 with the certificate; resolves with its port. */
async function serve(c: SelfSigned): Promise<number> {
  const server: Server = createServer({ cert: c.cert, key: c.key }, (s) => s.end('hi'));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** Connects to 127.0.0.1:port; resolves with what the server sent, or the TLS error's code. */
function handshake(port: number, ca?: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, ...(ca ? { ca } : {}) }, () => {
      s.once('data', (d: Buffer) => resolve(d.toString()));
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    cleanups.push(() => s.destroy());
  });
}

async function check(how: 'openssl' | 'node:crypto'): Promise<void> {
  const c = selfSignedCert({ forceNode: how === 'node:crypto' });
  cleanups.push(() => c.dispose());
  expect(c.how).toBe(how);
  expect(c.cert).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
  const port = await serve(c);
  expect(await handshake(port, c.cert)).toBe('hi');
  expect(await handshake(port)).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
}

describe('self-signed certificate for 127.0.0.1: trusted with it as CA, refused without', () => {
  it('made with node:crypto (the fallback)', () => check('node:crypto'));
  it.skipIf(NO_OPENSSL)('made with openssl', () => check('openssl'));
});
