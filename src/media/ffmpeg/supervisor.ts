/**
 * Supervised child processes (ffmpeg and friends).
 *
 * - Spawned with an argument array, never a shell.
 * - Stderr (when piped) is always read, split into lines, handed to `onStderrLine` and kept in a
 *   small ring buffer (`stderrTail`) for error messages, so a full pipe can never block ffmpeg.
 * - `stop()` is idempotent and escalates: end stdin, SIGINT (ffmpeg finishes its outputs),
 *   ~500 ms, SIGTERM, ~1 s, SIGKILL; it resolves once the child has exited.
 * - A registry of live children: `stopAll()` on session close and on SIGINT/SIGTERM (the CLI
 *   owns those signals), and the process-wide {@link supervisor} SIGKILLs every live child
 *   synchronously on process 'exit'.
 * - No child outlives randchat, even when randchat is SIGKILLed (no handler runs then): every
 *   spawned pid is registered with a parent-death watchdog; see ./watchdog.ts for the mechanism
 *   and for why no ffmpeg option can do it (ffmpeg ignores SIGPIPE and stdin EOF).
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { ParentDeathWatchdog } from './watchdog.js';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started (ENOENT, EACCES…); code and signal are null. */
  error?: Error;
}

export interface SupervisedChild {
  readonly label: string;
  readonly pid: number | undefined;
  readonly child: ChildProcess;
  /** Resolves once the child has exited (or failed to start) and its stderr has been read. */
  readonly exited: Promise<ExitInfo>;
  readonly running: boolean;
  /** The last stderr lines (at most {@link STDERR_TAIL_LINES}), oldest first. */
  readonly stderrTail: readonly string[];
  /** Idempotent: end stdin, SIGINT, ~500 ms, SIGTERM, ~1 s, SIGKILL; resolves when exited. */
  stop(): Promise<ExitInfo>;
}

export interface SpawnOptions {
  /** Name for logs and errors (default: the binary's base name). */
  label?: string;
  /** Default `['pipe', 'pipe', 'pipe']`. */
  stdio?: StdioOptions;
  /** Every stderr line (without its newline), when stderr is piped. */
  onStderrLine?(line: string): void;
  env?: NodeJS.ProcessEnv;
}

export interface SupervisorOptions {
  /** Wait after SIGINT before SIGTERM (default 500). */
  sigintGraceMs?: number;
  /** Wait after SIGTERM before SIGKILL (default 1000). */
  sigtermGraceMs?: number;
  /** Register children with the parent-death watchdog (default true). */
  watchdog?: boolean;
}

export const STDERR_TAIL_LINES = 20;
/** After 'exit', how long to wait at most for the rest of stderr (a grandchild may hold it). */
const STDERR_DRAIN_MS = 250;

/** One watchdog per process, shared by every supervisor. */
let sharedWatchdog: ParentDeathWatchdog | undefined;
function watchdog(): ParentDeathWatchdog {
  sharedWatchdog ??= new ParentDeathWatchdog();
  return sharedWatchdog;
}

/** The pid of the parent-death watchdog process, once one was started (tests, doctor). */
export function watchdogPid(): number | undefined {
  return sharedWatchdog?.pid;
}

export class ChildSupervisor {
  readonly #live = new Set<SupervisedChild>();
  readonly #sigintGraceMs: number;
  readonly #sigtermGraceMs: number;
  readonly #useWatchdog: boolean;
  #exitHook: (() => void) | undefined;

  constructor(options: SupervisorOptions = {}) {
    this.#sigintGraceMs = options.sigintGraceMs ?? 500;
    this.#sigtermGraceMs = options.sigtermGraceMs ?? 1000;
    this.#useWatchdog = options.watchdog ?? true;
  }

  /** Number of children that have not exited yet. */
  get live(): number {
    return this.#live.size;
  }

  spawn(bin: string, args: readonly string[], opts: SpawnOptions = {}): SupervisedChild {
    const label = opts.label ?? baseName(bin);
    const child = spawn(bin, [...args], {
      stdio: opts.stdio ?? ['pipe', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
      shell: false,
      windowsHide: true,
    });
    const pid = child.pid;
    if (pid !== undefined && this.#useWatchdog) watchdog().watch(pid);

    const tail: string[] = [];
    let exitInfo: ExitInfo | undefined;
    let stopping: Promise<ExitInfo> | undefined;

    const stderrDone = readLines(child, (line) => {
      tail.push(line);
      if (tail.length > STDERR_TAIL_LINES) tail.shift();
      opts.onStderrLine?.(line);
    });

    const exited = new Promise<ExitInfo>((resolve) => {
      const finish = (info: ExitInfo): void => {
        if (exitInfo) return;
        exitInfo = info;
        this.#live.delete(handle);
        if (pid !== undefined && this.#useWatchdog) watchdog().unwatch(pid);
        this.#syncExitHook();
        void drain(stderrDone, STDERR_DRAIN_MS).then(() => resolve(info));
      };
      child.once('exit', (code, signal) => finish({ code, signal }));
      child.once('error', (error) => {
        // 'error' also fires for a failed kill(); only a spawn failure means "never ran".
        if (
          child.pid === undefined ||
          (child.exitCode === null && child.signalCode === null && !isAlive(child))
        )
          finish({ code: null, signal: null, error });
      });
    });
    // Ignore EPIPE on a stdin the child closed; the exit is what matters.
    child.stdin?.on('error', () => undefined);

    const sigintGraceMs = this.#sigintGraceMs;
    const sigtermGraceMs = this.#sigtermGraceMs;
    const handle: SupervisedChild = {
      label,
      pid,
      child,
      exited,
      get running() {
        return exitInfo === undefined;
      },
      get stderrTail() {
        return [...tail];
      },
      stop() {
        stopping ??= escalate(child, exited, () => exitInfo !== undefined, sigintGraceMs, sigtermGraceMs);
        return stopping;
      },
    };
    if (pid !== undefined) {
      this.#live.add(handle);
      this.#syncExitHook();
    }
    return handle;
  }

  /** Stops every live child (in parallel); resolves when all have exited. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#live].map((c) => c.stop()));
  }

  /** SIGKILLs every live child synchronously (process 'exit'). */
  killAllSync(): void {
    for (const c of this.#live) {
      try {
        c.child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** Holds a process 'exit' listener only while children are live. */
  #syncExitHook(): void {
    if (this.#live.size > 0 && !this.#exitHook) {
      this.#exitHook = () => this.killAllSync();
      process.on('exit', this.#exitHook);
    } else if (this.#live.size === 0 && this.#exitHook) {
      process.off('exit', this.#exitHook);
      this.#exitHook = undefined;
    }
  }
}

/** The process-wide supervisor. The CLI calls `supervisor.stopAll()` on SIGINT/SIGTERM. */
export const supervisor = new ChildSupervisor();

async function escalate(
  child: ChildProcess,
  exited: Promise<ExitInfo>,
  isDone: () => boolean,
  sigintGraceMs: number,
  sigtermGraceMs: number,
): Promise<ExitInfo> {
  if (isDone()) return exited;
  try {
    child.stdin?.end();
  } catch {
    // closed already
  }
  for (const [signal, graceMs] of [
    ['SIGINT', sigintGraceMs],
    ['SIGTERM', sigtermGraceMs],
  ] as const) {
    if (isDone()) return exited;
    send(child, signal);
    if (await within(exited, graceMs)) return exited;
  }
  if (!isDone()) send(child, 'SIGKILL');
  return exited;
}

function send(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    child.kill(signal);
  } catch {
    // exited in between
  }
}

/** True if `p` settles within `ms`. */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    void p.then(() => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

function drain(p: Promise<void>, ms: number): Promise<void> {
  return within(p, ms).then(() => undefined);
}

function isAlive(child: ChildProcess): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(child.pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Reads the child's stderr (if piped) line by line; resolves when it ends. */
function readLines(child: ChildProcess, onLine: (line: string) => void): Promise<void> {
  const stream = child.stderr;
  if (!stream) return Promise.resolve();
  return new Promise((resolve) => {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buf += chunk;
      // ffmpeg ends progress lines with \r; treat \r and \n alike.
      const parts = buf.split(/\r\n|\r|\n/);
      buf = parts.pop() ?? '';
      for (const line of parts) if (line.length > 0) onLine(line);
      if (buf.length > 64 * 1024) {
        onLine(buf);
        buf = '';
      }
    });
    const end = (): void => {
      if (buf.length > 0) onLine(buf);
      buf = '';
      resolve();
    };
    stream.once('end', end);
    stream.once('close', end);
    stream.once('error', end);
  });
}

function baseName(bin: string): string {
  return bin.split(/[\\/]/).pop() || bin;
}
