/** Process wiring for the CLI: real streams, env and signals. `bin/randchat.js` calls {@link main}. */
import { readFileSync } from 'node:fs';
import type { CliDeps } from './deps.js';
import { runCli } from './program.js';

/** randchat's version, from package.json (two levels up from both src/cli and dist/cli). */
export function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function onSignal(handler: (signal: NodeJS.Signals) => void): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}

/** Runs randchat with the real process; resolves with the exit code (the caller exits). */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  // A reader that goes away (`randchat --json | head`) must not crash us with EPIPE.
  process.stdout.on('error', () => undefined);
  const deps: Omit<CliDeps, 'setExitCode'> = {
    writeOut: (s) => void process.stdout.write(s),
    writeErr: (s) => void process.stderr.write(s),
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    onSignal,
    version: readVersion(),
  };
  try {
    return await runCli(argv, deps);
  } finally {
    // Sessions stop their own ffmpeg children; this catches anything left (graceful escalation).
    const { supervisor } = await import('../media/ffmpeg/supervisor.js');
    if (supervisor.live > 0) await supervisor.stopAll();
  }
}
