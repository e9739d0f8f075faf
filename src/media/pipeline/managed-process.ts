/**
 * One long-running ffmpeg role (encoder, decoder, capture, player) that survives its process:
 * started through the supervisor, restarted on purpose (`restart()`: new keyframe, new size) or
 * after an unexpected exit with backoff, stopped once for good. The arguments are rebuilt on every
 * start (a new port, a new SSRC, a new size).
 */
import type { StdioOptions } from 'node:child_process';
import type { ChildSupervisor, ExitInfo, SupervisedChild } from '../ffmpeg/supervisor.js';
import type { Clock, Timer } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';

export interface ManagedProcessOptions {
  label: string;
  bin: string;
  supervisor: ChildSupervisor;
  clock: Clock;
  logger: Logger;
  stdio: StdioOptions;
  /** Arguments for the next start (may throw: reported like a failed start). */
  args(): string[] | Promise<string[]>;
  /** Wire the new child's pipes. */
  onStart?(child: SupervisedChild): void;
  /** The child exited without being asked. `willRestart` is false once the restart budget is spent. */
  onCrash(info: { exit: ExitInfo; stderr: string; willRestart: boolean; ranMs: number }): void;
  /** Delays before restarts after crashes in a row (default 100, 500, 1000, 2000, 5000 ms). */
  backoffMs?: number[];
  /** Give up after this many crashes in a row that each ran less than 5 s (default 5). */
  maxQuickCrashes?: number;
}

const STABLE_MS = 5000;

export class ManagedProcess {
  readonly #o: ManagedProcessOptions;
  #child: SupervisedChild | null = null;
  #stopped = false;
  #timer: Timer | undefined;
  #quickCrashes = 0;
  #generation = 0;

  constructor(opts: ManagedProcessOptions) {
    this.#o = opts;
  }

  get pid(): number | undefined {
    return this.#child?.running ? this.#child.pid : undefined;
  }
  get child(): SupervisedChild | null {
    return this.#child;
  }
  get running(): boolean {
    return this.#child?.running ?? false;
  }

  /** Starts the process (no-op if it is running or was stopped). */
  async start(): Promise<void> {
    if (this.#stopped || this.#child?.running) return;
    const gen = ++this.#generation;
    let args: string[];
    try {
      args = await this.#o.args();
    } catch (err) {
      if (gen === this.#generation && !this.#stopped)
        this.#crashed(gen, { code: null, signal: null, error: toError(err) }, '', 0);
      return;
    }
    if (this.#stopped || gen !== this.#generation) return;
    const startedAt = this.#o.clock.now();
    const child = this.#o.supervisor.spawn(this.#o.bin, args, { label: this.#o.label, stdio: this.#o.stdio });
    this.#child = child;
    this.#o.logger.debug('started', { label: this.#o.label, pid: child.pid });
    this.#o.onStart?.(child);
    void child.exited.then((exit) => {
      if (this.#stopped || this.#child !== child) return;
      this.#crashed(gen, exit, child.stderrTail.join('\n'), this.#o.clock.now() - startedAt);
    });
  }

  /** Replaces the running process with a fresh one at once (the old one is killed). */
  restart(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#o.clock.clearTimeout(this.#timer);
    this.#kill();
    return this.start();
  }

  /** Stops for good; resolves once the process has exited. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#o.clock.clearTimeout(this.#timer);
    const child = this.#child;
    this.#child = null;
    if (child) await child.stop();
  }

  /**
   * Stops for good, asking first: `ask(child)` tells the process to end by itself (e.g. an RTCP
   * BYE, so ffmpeg finishes its file); after `graceMs` without an exit, {@link stop} escalates.
   */
  async finish(ask: (child: SupervisedChild) => void, graceMs: number): Promise<void> {
    this.#stopped = true;
    this.#o.clock.clearTimeout(this.#timer);
    const child = this.#child;
    if (child?.running) {
      ask(child);
      let timer: Timer | undefined;
      await Promise.race([
        child.exited,
        new Promise<void>((resolve) => (timer = this.#o.clock.setTimeout(resolve, graceMs))),
      ]);
      this.#o.clock.clearTimeout(timer);
    }
    await this.stop();
  }

  /** Stops the process but allows a later `start()`. */
  async pause(): Promise<void> {
    this.#o.clock.clearTimeout(this.#timer);
    this.#generation++;
    const child = this.#child;
    this.#child = null;
    if (child) await child.stop();
  }

  #kill(): void {
    const child = this.#child;
    this.#child = null;
    this.#generation++;
    if (!child) return;
    try {
      child.child.kill('SIGKILL');
    } catch {
      // gone already
    }
    void child.stop();
  }

  #crashed(gen: number, exit: ExitInfo, stderr: string, ranMs: number): void {
    if (gen !== this.#generation) return;
    this.#child = null;
    this.#quickCrashes = ranMs >= STABLE_MS ? 1 : this.#quickCrashes + 1;
    const willRestart = this.#quickCrashes <= (this.#o.maxQuickCrashes ?? 5);
    this.#o.onCrash({ exit, stderr, willRestart, ranMs });
    if (!willRestart || this.#stopped) return;
    const backoff = this.#o.backoffMs ?? [100, 500, 1000, 2000, 5000];
    const delay = backoff[Math.min(this.#quickCrashes - 1, backoff.length - 1)] ?? 1000;
    this.#timer = this.#o.clock.setTimeout(() => void this.start(), delay);
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** A one-line reason for an exit, for media-error messages. */
export function describeExit(exit: ExitInfo, stderr: string): string {
  const last = stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .pop();
  const how = exit.error
    ? `could not start (${exit.error.message})`
    : exit.signal
      ? `was killed (${exit.signal})`
      : `exited with code ${exit.code}`;
  return last ? `${how}: ${last.slice(0, 200)}` : how;
}
