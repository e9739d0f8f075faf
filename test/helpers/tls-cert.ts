/**
 * A throwaway self-signed certificate for 127.0.0.1 (and localhost), made with `openssl` for TLS
 * tests. `opensslMissing()` skips loudly without it (fails under RANDCHAT_TEST_STRICT=1).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from './require-binary.js';

export function opensslMissing(): boolean {
  const found = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
  return requireBinary('openssl', found);
}

export interface SelfSigned {
  cert: string;
  key: string;
  /** The certificate file (for `--ca` / `--tls-cert`). */
  certFile: string;
  keyFile: string;
  dispose(): void;
}

export function selfSignedCert(): SelfSigned {
  const dir = mkdtempSync(join(tmpdir(), 'randchat-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return {
    cert: readFileSync(certFile, 'utf8'),
    key: readFileSync(keyFile, 'utf8'),
    certFile,
    keyFile,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
