/**
 * A throwaway self-signed certificate for 127.0.0.1, for TLS tests: the benches' generator
 * (bench/lib/self-signed.mjs — openssl when it is installed, else Node's crypto, so no test has to
 * skip for want of openssl), with the PEM text read back.
 */
import { readFileSync } from 'node:fs';
import { selfSignedCert as makeFiles } from '../../bench/lib/self-signed.mjs';

export interface SelfSigned {
  cert: string;
  key: string;
  /** The certificate file (for `--ca` / `--tls-cert`). */
  certFile: string;
  keyFile: string;
  /** How it was made: 'openssl' or 'node:crypto'. */
  how: string;
  dispose(): void;
}

export function selfSignedCert(opts: { forceNode?: boolean } = {}): SelfSigned {
  const f = makeFiles(opts);
  return {
    cert: readFileSync(f.certFile, 'utf8'),
    key: readFileSync(f.keyFile, 'utf8'),
    certFile: f.certFile,
    keyFile: f.keyFile,
    how: f.how,
    dispose: f.dispose,
  };
}
