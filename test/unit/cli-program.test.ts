import { describe, expect, it } from 'vitest';
import { createProgram, runCli } from '../../src/cli/program.js';
import { ExitCodes } from '../../src/errors.js';
import { makeDeps } from '../helpers/cli-deps.js';

describe('randchat program', () => {
  it('has chat, demo, server, doctor and devices commands', () => {
    const names = createProgram(makeDeps().deps).commands.map((c) => c.name());
    expect(names).toEqual(['chat', 'demo', 'server', 'doctor', 'devices']);
  });

  it('--help prints usage, examples, slash commands and env vars to stdout; exit 0', async () => {
    const t = makeDeps();
    expect(await runCli(['--help'], t.deps)).toBe(ExitCodes.OK);
    for (const s of [
      'Usage: randchat',
      '--server <url>',
      'randchat demo',
      '/next',
      '/reconnect',
      'RANDCHAT_SERVER',
      'NO_COLOR',
      'Exit codes',
    ]) {
      expect(t.out()).toContain(s);
    }
    expect(t.err()).toBe('');
  });

  it('server --help lists the server limits', async () => {
    const t = makeDeps();
    expect(await runCli(['server', '--help'], t.deps)).toBe(ExitCodes.OK);
    for (const s of [
      '--port <port>',
      '--grace-ms',
      '--heartbeat-ms',
      '--max-connections-per-ip',
      '--message-rate',
    ]) {
      expect(t.out()).toContain(s);
    }
  });

  it('--version prints the version', async () => {
    const t = makeDeps();
    expect(await runCli(['--version'], t.deps)).toBe(ExitCodes.OK);
    expect(t.out()).toBe('9.8.7\n');
  });

  it.each([
    [['--bogus'], /unknown option '--bogus'/],
    [['--server', 'http://x'], /expected a ws:\/\/ or wss:\/\/ URL/],
    [['--interests', 'a,<b>'], /invalid interest/],
    [['--log-level', 'loud'], /expected one of silent, error/],
    [['server', '--port', '70000'], /expected a port number/],
    [['server', '--message-rate', 'fast'], /RATE or RATE\/BURST/],
    [['server', '--ice-server', 'http://x'], /stun: or turn: URL/],
    [['frobnicate'], /too many arguments|unknown command/],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const t = makeDeps();
    expect(await runCli(argv, t.deps)).toBe(ExitCodes.USAGE);
    expect(t.err()).toMatch(message);
    expect(t.out()).toBe('');
  });

  it('an invalid value from an injected env var is a usage error too', async () => {
    const t = makeDeps({ env: { RANDCHAT_SERVER: 'nope' } });
    expect(await runCli(['--json'], t.deps)).toBe(ExitCodes.USAGE);
    expect(t.err()).toMatch(/from env RANDCHAT_SERVER is invalid/);
  });

  it('refuses the UI without a terminal (exit 5) and points at --json', async () => {
    const t = makeDeps({ tty: false });
    expect(await runCli([], t.deps)).toBe(ExitCodes.NOT_A_TTY);
    expect(t.err()).toMatch(/--json/);
    expect(t.out()).toBe('');
    expect(t.created).toEqual([]);
  });

  it('maps chat flags and env onto the session options', async () => {
    const t = makeDeps({ env: { RANDCHAT_SERVER: 'ws://10.0.0.1:9', RANDCHAT_INTERESTS: 'Music, go' } });
    t.stdin.end();
    expect(await runCli(['--json', '--loopback', '--auto-next'], t.deps)).toBe(ExitCodes.OK);
    expect(t.created).toEqual([
      expect.objectContaining({
        serverUrl: 'ws://10.0.0.1:9',
        interests: ['music', 'go'],
        loopbackOnly: true,
        autoNext: true,
        clientName: 'randchat/9.8.7',
      }),
    ]);
    const events = t
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string });
    expect(events.map((e) => e.event)).toContain('state');
  });

  it('command-line flags beat env vars, and `chat` is the same as the default', async () => {
    const t = makeDeps({ env: { RANDCHAT_SERVER: 'ws://10.0.0.1:9' } });
    t.stdin.end();
    expect(await runCli(['chat', '--json', '--server', 'wss://example.org/rc'], t.deps)).toBe(ExitCodes.OK);
    expect(t.created[0]?.serverUrl).toBe('wss://example.org/rc');
    expect(t.created[0]?.loopbackOnly).toBe(false);
  });

  it('`server --port 0` prints only its URL on stdout and stops cleanly on a signal', async () => {
    const t = makeDeps();
    const running = runCli(['server', '--port', '0', '--log-level', 'silent'], t.deps);
    await expect.poll(() => t.out(), { timeout: 5000 }).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\n$/);
    await expect.poll(() => t.hasSignalHandler()).toBe(true);
    t.raise('SIGTERM');
    expect(await running).toBe(ExitCodes.OK);
    expect(t.out().split('\n').filter(Boolean)).toHaveLength(1);
  });
});
