/**
 * Forked helper processes for the benches: a registry of live children, request/response over IPC
 * with a timeout, and an idempotent stop that escalates SIGTERM → SIGKILL. `stopAll()` runs on exit
 * and on SIGINT/SIGTERM so no child outlives the bench.
 */
import { fork } from 'node:child_process';

const live = new Set();

export class Child {
  #proc;
  #nextId = 1;
  #pending = new Map();
  #listeners = new Set();
  #exited;

  constructor(modulePath, args = [], { execArgv = [] } = {}) {
    this.#proc = fork(modulePath, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    live.add(this);
    this.#exited = new Promise((resolve) => {
      this.#proc.once('exit', (code, signal) => {
        live.delete(this);
        for (const { reject } of this.#pending.values()) {
          reject(new Error(`${modulePath} exited (${signal ?? code}) before answering`));
        }
        this.#pending.clear();
        resolve();
      });
    });
    this.#proc.on('message', (msg) => {
      const waiter = msg.id === undefined ? undefined : this.#pending.get(msg.id);
      if (waiter) {
        this.#pending.delete(msg.id);
        clearTimeout(waiter.timer);
        if (msg.error) waiter.reject(new Error(msg.error));
        else waiter.resolve(msg);
        return;
      }
      for (const fn of this.#listeners) fn(msg);
    });
  }

  get pid() {
    return this.#proc.pid;
  }

  /** Listens to unsolicited messages (`ready`, `mark`). Returns an unsubscribe function. */
  onMessage(fn) {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** The next unsolicited message of `type`, within `ms`. */
  waitFor(type, ms) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no "${type}" from child ${this.pid} within ${ms} ms`));
      }, ms);
      const off = this.onMessage((msg) => {
        if (msg.type !== type) return;
        clearTimeout(timer);
        off();
        resolve(msg);
      });
    });
  }

  /** Sends a command and resolves with the child's answer (rejects on error, exit or timeout). */
  call(cmd, args = {}, ms = 60_000) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`child ${this.pid}: "${cmd}" took longer than ${ms} ms`));
      }, ms);
      this.#pending.set(id, { resolve, reject, timer });
      const failed = (err) => {
        if (!err || !this.#pending.delete(id)) return;
        clearTimeout(timer);
        reject(err);
      };
      if (!this.#proc.connected) return failed(new Error(`child ${this.pid} is gone; cannot send "${cmd}"`));
      this.#proc.send({ id, cmd, ...args }, failed);
    });
  }

  /** Idempotent: SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs = 2_000) {
    if (this.#proc.exitCode !== null || this.#proc.signalCode !== null) return this.#exited;
    this.#proc.kill('SIGTERM');
    const timer = setTimeout(() => this.#proc.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** For the `exit` hook, where nothing async runs: SIGKILL if still alive. */
  stopSync() {
    if (this.#proc.exitCode === null && this.#proc.signalCode === null) this.#proc.kill('SIGKILL');
  }

  /** Resolves when the process has exited by itself, or stops it after `ms`. */
  async exited(ms) {
    const timer = setTimeout(() => void this.stop(), ms);
    await this.#exited;
    clearTimeout(timer);
  }
}

export async function stopAll() {
  await Promise.all([...live].map((c) => c.stop()));
}

process.once('exit', () => {
  for (const c of live) c.stopSync();
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    void stopAll().finally(() => process.exit(130));
  });
}
