/** Types for self-signed.mjs, which the tests use too (through test/helpers/tls-cert.ts). */
export interface SelfSignedFiles {
  certFile: string;
  keyFile: string;
  how: 'openssl' | 'node:crypto';
  dispose(): void;
}

export function selfSignedCert(opts?: { forceNode?: boolean }): SelfSignedFiles;
