/**
 * `randchat server --redis` / RANDCHAT_REDIS: flag and env parsing, and the startup line on stderr
 * naming the broker (`broker: memory` / `broker: redis (node <id>)`), while stdout stays exactly the
 * URL. The Redis URL points at a closed port: the node starts without Redis (it is not ready until
 * Redis answers), which is all these tests need.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { redactUrl } from '../../src/cli/server-command.js';
import { ExitCodes } from '../../src/errors.js';
import { makeDeps } from '../helpers/cli-deps.js';

const NOWHERE = 'redis://127.0.0.1:1/3';

/** Runs `randchat server …` until it is listening, then stops it; returns stdout and stderr. */
async function runUntilListening(argv: string[], env: Record<string, string> = {}) {
  const t = makeDeps({ env });
  const running = runCli(['server', '--port', '0', ...argv], t.deps);
  await expect.poll(() => t.hasSignalHandler(), { timeout: 5000 }).toBe(true);
  t.raise('SIGTERM');
  expect(await running).toBe(ExitCodes.OK);
  return { out: t.out(), err: t.err() };
}

const URL_LINE = /^ws:\/\/127\.0\.0\.1:\d+\n$/;

describe('randchat server: which broker', () => {
  it('without --redis: `broker: memory` on stderr, only the URL on stdout', async () => {
    const { out, err } = await runUntilListening([]);
    expect(out).toMatch(URL_LINE);
    expect(err).toMatch(/^randchat: broker: memory$/m);
    expect(err).not.toMatch(/broker: redis/);
  });

  it('--redis <url>: `broker: redis (node <id>)` and the URL, stdout unchanged', async () => {
    const { out, err } = await runUntilListening(['--redis', NOWHERE]);
    expect(out).toMatch(URL_LINE);
    expect(err).toMatch(
      /^randchat: broker: redis \(node [A-Za-z0-9_-]{8}\) at redis:\/\/127\.0\.0\.1:1\/3$/m,
    );
  });

  it('RANDCHAT_REDIS selects the Redis broker; --redis wins over it', async () => {
    const fromEnv = await runUntilListening([], { RANDCHAT_REDIS: NOWHERE });
    expect(fromEnv.err).toMatch(/broker: redis \(node [^)]+\) at redis:\/\/127\.0\.0\.1:1\/3$/m);
    const both = await runUntilListening(['--redis', 'redis://127.0.0.1:1/5'], { RANDCHAT_REDIS: NOWHERE });
    expect(both.err).toMatch(/broker: redis \(node [^)]+\) at redis:\/\/127\.0\.0\.1:1\/5$/m);
    expect(both.out).toMatch(URL_LINE);
  });

  it('the password in the URL never reaches the terminal', async () => {
    const { err } = await runUntilListening(['--redis', 'redis://user:hunter2@127.0.0.1:1']);
    expect(err).toMatch(/broker: redis \(node [^)]+\) at redis:\/\/user:\*\*\*@127\.0\.0\.1:1$/m);
    expect(err).not.toMatch(/hunter2/);
  });

  it('--log-level silent: no startup chatter, still the URL', async () => {
    const { out, err } = await runUntilListening(['--redis', NOWHERE, '--log-level', 'silent']);
    expect(out).toMatch(URL_LINE);
    expect(err).toBe('');
  });

  it.each([
    [['--redis', 'http://127.0.0.1:6379'], {}],
    [['--redis', 'redis://has space'], {}],
    [[], { RANDCHAT_REDIS: 'localhost:6379' }],
  ])('%j %j is a usage error (exit 2)', async (argv, env) => {
    const t = makeDeps({ env });
    expect(await runCli(['server', '--port', '0', ...argv], t.deps)).toBe(ExitCodes.USAGE);
    expect(t.err()).toMatch(/expected a redis:\/\/ or rediss:\/\/ URL/);
    expect(t.out()).toBe('');
  });

  it.each([
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ['redis://:secret@h:1/2', 'redis://:***@h:1/2'],
    ['rediss://u:p@h', 'rediss://u:***@h'],
    ['redis://token@h', 'redis://***@h'],
  ])('redactUrl(%s) = %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});
