/** In-memory CliDeps for driving `runCli` in unit tests: captured output, a fake TTY flag, signals. */
import { PassThrough } from 'node:stream';
import type { CliDeps } from '../../src/cli/deps.js';
import type { SessionFactoryOptions } from '../../src/cli/session-like.js';
import { FakeSession } from './fake-session.js';

export function makeDeps(overrides: Partial<CliDeps> & { tty?: boolean } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const stdin = Object.assign(new PassThrough(), { isTTY: overrides.tty ?? false });
  const stream = () => Object.assign(new PassThrough(), { isTTY: overrides.tty ?? false, columns: 100 });
  const created: SessionFactoryOptions[] = [];
  let signal: ((s: NodeJS.Signals) => void) | null = null;
  const deps: Omit<CliDeps, 'setExitCode'> = {
    writeOut: (s) => void out.push(s),
    writeErr: (s) => void err.push(s),
    env: {},
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: stream() as unknown as NodeJS.WriteStream,
    stderr: stream() as unknown as NodeJS.WriteStream,
    onSignal: (handler) => {
      signal = handler;
      return () => (signal = null);
    },
    version: '9.8.7',
    loadSession: async () => (opts) => {
      created.push(opts);
      return new FakeSession(opts);
    },
    ...overrides,
  };
  return {
    deps,
    stdin,
    created,
    out: () => out.join(''),
    err: () => err.join(''),
    raise: (s: NodeJS.Signals = 'SIGINT') => signal?.(s),
    hasSignalHandler: () => signal !== null,
  };
}
