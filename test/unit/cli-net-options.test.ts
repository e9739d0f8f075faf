/** CLI flags for NAT traversal, privacy and abuse controls (src/cli/net-options.ts and friends). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { ExitCodes } from '../../src/errors.js';
import { makeDeps } from '../helpers/cli-deps.js';
import { selfSignedCert } from '../helpers/tls-cert.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'randchat-cli-net-'));
  dirs.push(d);
  return d;
}

describe('secrets never come from a plain command-line value', () => {
  it.each([
    [['server', '--turn-secret', 'hunter2'], /RANDCHAT_TURN_SECRET/],
    [['--json', '--turn-pass', 'hunter2'], /RANDCHAT_TURN_PASS/],
  ])('%j is refused (exit 2)', async (argv, hint) => {
    const t = makeDeps();
    expect(await runCli(argv, t.deps)).toBe(ExitCodes.USAGE);
    expect(t.err()).toMatch(hint);
    expect(t.err()).toMatch(/visible to other users/);
  });

  it('a too-short --turn-secret-file is a usage error', async () => {
    const file = join(tmp(), 'secret');
    writeFileSync(file, 'short\n');
    const t = makeDeps();
    expect(await runCli(['server', '--port', '0', '--turn-secret-file', file], t.deps)).toBe(ExitCodes.USAGE);
    expect(t.err()).toMatch(/shorter than 16/);
  });
});

describe('chat: own ICE servers, relay-only, block file', () => {
  it('maps --stun/--turn/--turn-user + RANDCHAT_TURN_PASS and --relay-only onto the session', async () => {
    const t = makeDeps({ env: { RANDCHAT_TURN_PASS: 'pw' } });
    t.stdin.end();
    const argv = ['--json', '--relay-only', '--stun', 'stun:s.example', '--turn', 'turn:t.example:3478'];
    expect(await runCli([...argv, '--turn-user', 'me', '--no-block-file'], t.deps)).toBe(ExitCodes.OK);
    expect(t.created[0]).toMatchObject({
      relayOnly: true,
      iceServers: [
        { urls: ['stun:s.example'] },
        { urls: ['turn:t.example:3478'], username: 'me', credential: 'pw' },
      ],
    });
    expect(t.created[0]?.blockStore).toBeUndefined();
  });

  it('rejects a STUN URL given to --turn', async () => {
    const t = makeDeps();
    expect(await runCli(['--json', '--turn', 'stun:x'], t.deps)).toBe(ExitCodes.USAGE);
  });

  it('opens --block-file (created only on the first block)', async () => {
    const t = makeDeps();
    t.stdin.end();
    const file = join(tmp(), 'blocked.json');
    expect(await runCli(['--json', '--block-file', file], t.deps)).toBe(ExitCodes.OK);
    expect(t.created[0]?.blockStore?.identity).toMatch(/^[\w-]{32}$/);
  });
});

describe('server: TLS', () => {
  it('--tls-cert/--tls-key print a wss:// URL', async () => {
    const cert = selfSignedCert();
    dirs.push(cert.certFile.replace(/\/cert\.pem$/, ''));
    const t = makeDeps();
    const argv = [
      'server',
      '--port',
      '0',
      '--log-level',
      'silent',
      '--tls-cert',
      cert.certFile,
      '--tls-key',
      cert.keyFile,
    ];
    const running = runCli(argv, t.deps);
    await expect.poll(() => t.out(), { timeout: 5000 }).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\n$/);
    await expect.poll(() => t.hasSignalHandler()).toBe(true);
    t.raise('SIGTERM');
    expect(await running).toBe(ExitCodes.OK);
  });
});
