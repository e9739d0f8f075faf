/**
 * Runs `bin/randchat.js` as a child process for end-to-end tests: NDJSON stdout parsed into
 * events, `waitForEvent(pred, timeoutMs)`, and a registry so `killAll()` in afterEach never
 * leaves a process behind.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

export const RANDCHAT_BIN = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../bin/randchat.js',
);

export type CliEvent = { event: string; ts: number } & Record<string, unknown>;

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  /** Parsed stdout lines, in order. */
  events: CliEvent[];
  /** stdout lines that were not JSON (must stay empty in --json mode). */
  nonJson: string[];
  stderr(): string;
  /** Resolves with the first event (already seen or future) matching `pred`. */
  waitForEvent(pred: (e: CliEvent) => boolean, timeoutMs?: number, what?: string): Promise<CliEvent>;
  /** Resolves with the first raw stdout line (e.g. the server's URL). */
  firstLine(timeoutMs?: number): Promise<string>;
  writeLine(line: string): void;
  endInput(): void;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  exited: Promise<number | NodeJS.Signals>;
  /** Waits for exit, failing after `timeoutMs`. */
  waitForExit(timeoutMs?: number): Promise<number | NodeJS.Signals>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const live = new Set<CliProcess>();

export function spawnCli(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): CliProcess {
  const child = spawn(process.execPath, [RANDCHAT_BIN, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
  });
  const events: CliEvent[] = [];
  const nonJson: string[] = [];
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    try {
      events.push(JSON.parse(line) as CliEvent);
    } catch {
      nonJson.push(line);
    }
    for (const l of [...listeners]) l();
  });
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(proc);
      for (const l of [...listeners]) l();
      resolve(code ?? signal ?? -1);
    }),
  );
  const isDone = (): boolean => child.exitCode !== null || child.signalCode !== null;

  const waitUntil = <T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const hit = find();
        if (hit !== undefined) {
          done();
          resolve(hit);
        } else if (isDone()) {
          done();
          reject(
            new Error(
              `process exited (${child.exitCode ?? child.signalCode}) before ${what}\nstderr: ${stderr}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}\nstderr: ${stderr}\nevents: ${tail(events)}`,
          ),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });

  const proc: CliProcess = {
    child,
    events,
    nonJson,
    stderr: () => stderr,
    waitForEvent: (pred, timeoutMs = 20_000, what = 'a matching event') =>
      waitUntil(() => events.find(pred), timeoutMs, what),
    firstLine: (timeoutMs = 15_000) => waitUntil(() => lines[0], timeoutMs, 'the first stdout line'),
    writeLine: (line) => void child.stdin.write(line + '\n'),
    endInput: () => void child.stdin.end(),
    exited,
    waitForExit: (timeoutMs = 15_000) =>
      Promise.race([
        exited,
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`process did not exit within ${timeoutMs} ms\nstderr: ${stderr}`)),
            timeoutMs,
          ).unref(),
        ),
      ]),
    kill: async (signal = 'SIGKILL') => {
      if (isDone()) return;
      child.kill(signal);
      await exited;
    },
  };
  live.add(proc);
  return proc;
}

/** Kills every child still running (call in afterEach). */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill('SIGKILL')));
}

function tail(events: CliEvent[]): string {
  return events
    .filter((e) => e.event !== 'stats')
    .slice(-8)
    .map((e) => JSON.stringify(e))
    .join('\n');
}
