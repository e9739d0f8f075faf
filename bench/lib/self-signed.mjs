/**
 * A throwaway self-signed certificate (ECDSA P-256) for 127.0.0.1, for benches that measure TLS on
 * loopback. Made with `openssl` when it is installed, else with Node's crypto and a small DER
 * encoder (Node can sign but has no certificate builder). Files go to a temp directory; call
 * `dispose()` when done.
 *
 *   const { certFile, keyFile, how, dispose } = selfSignedCert();
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function selfSignedCert({ forceNode = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'randchat-bench-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  if (!forceNode && withOpenssl(certFile, keyFile)) return { certFile, keyFile, how: 'openssl', dispose };
  const { cert, key } = withNodeCrypto();
  writeFileSync(certFile, cert);
  writeFileSync(keyFile, key, { mode: 0o600 });
  return { certFile, keyFile, how: 'node:crypto', dispose };
}

function withOpenssl(certFile, keyFile) {
  const args = [
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
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ];
  const r = spawnSync('openssl', args, { stdio: 'ignore' });
  return r.status === 0;
}

// ------------------------------------------------------------------ minimal DER (X.509 v3)

const tlv = (tag, ...parts) => {
  const body = Buffer.concat(parts);
  const n = body.length;
  const len =
    n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
};
const seq = (...parts) => tlv(0x30, ...parts);
const oid = (bytes) => tlv(0x06, Buffer.from(bytes));
const OID_ECDSA_SHA256 = oid([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]); // 1.2.840.10045.4.3.2
const OID_CN = oid([0x55, 0x04, 0x03]); // 2.5.4.3
const OID_SAN = oid([0x55, 0x1d, 0x11]); // 2.5.29.17
const utcTime = (d) => tlv(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-:T]/g, '')}Z`));

function withNodeCrypto() {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const name = seq(tlv(0x31, seq(OID_CN, tlv(0x0c, Buffer.from('127.0.0.1')))));
  const serial = randomBytes(8);
  serial[0] &= 0x7f; // positive
  const now = Date.now();
  const san = seq(OID_SAN, tlv(0x04, seq(tlv(0x87, Buffer.from([127, 0, 0, 1]))))); // iPAddress
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))), // v3
    tlv(0x02, serial),
    seq(OID_ECDSA_SHA256),
    name,
    seq(utcTime(new Date(now - 60_000)), utcTime(new Date(now + 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, seq(san)),
  );
  const signature = sign('sha256', tbs, privateKey); // DER ECDSA-Sig-Value
  const der = seq(tbs, seq(OID_ECDSA_SHA256), tlv(0x03, Buffer.from([0]), signature));
  const pem = (label, buf) =>
    `-----BEGIN ${label}-----\n${buf
      .toString('base64')
      .match(/.{1,64}/g)
      .join('\n')}\n-----END ${label}-----\n`;
  return { cert: pem('CERTIFICATE', der), key: privateKey.export({ type: 'pkcs8', format: 'pem' }) };
}
