/**
 * Parent-death watchdog: makes sure no supervised child (ffmpeg) outlives randchat, even when
 * randchat is SIGKILLed and no exit handler runs.
 *
 * Why a watchdog, and not an ffmpeg option. Measured with ffmpeg 5.1 (Debian) and 4.1
 * (@ffmpeg-installer), a `-re` lavfi encode whose parent node process is SIGKILLed:
 * - stdin a pipe whose writer died (EOF): ffmpeg keeps running (it reads stdin only for the
 *   `q` key; EOF reads as "no key").
 * - `-progress pipe:1` (+ `-stats_period 0.5` on 5.1; 4.1 rejects that option) or `-stats` on a
 *   stderr pipe whose reader died: ffmpeg keeps running. ffmpeg sets SIGPIPE to SIG_IGN and
 *   ignores write errors on the progress/log outputs.
 * Only a *muxer* output on a dead pipe (the receiver's `pipe:1` raw frames) makes ffmpeg exit,
 * and senders write RTP to UDP, so nothing ffmpeg-side is reliable. Linux's PR_SET_PDEATHSIG
 * needs a native call (or util-linux `setpriv`) and does not exist on macOS/Windows.
 *
 * The mechanism: one small watchdog process per randchat process (the running Node binary,
 * `-e` script below), spawned lazily with its stdin a pipe from randchat. The supervisor tells
 * it `+PID` after each spawn and `-PID` after each exit. When randchat dies in any way, the
 * kernel closes randchat's end of the pipe, the watchdog reads EOF, sends SIGTERM to every PID
 * still listed (ffmpeg finalises its output), SIGKILL after 1 s to any survivor, and exits.
 * It ignores SIGINT and SIGHUP (a Ctrl+C or a closed terminal hits the whole process group;
 * randchat decides what to do, the watchdog keeps its promise until the pipe closes). Portable:
 * pipes and process.kill work the same on Linux, macOS and Windows. Cost: one idle Node process
 * (~40 MB RSS) while media runs. The pipe and the process are unref'd, so the watchdog never
 * keeps randchat's event loop alive. Residual race: a SIGKILL between spawn() returning and the
 * `+PID` line being written (microseconds) would leak that one child.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** The watchdog program (run with `node -e`); stdin lines: `+PID` / `-PID`. */
export const WATCHDOG_SCRIPT = `
const pids = new Set();
let buf = '';
const fs = require('fs');
const alive = (pid) => {
  try {
    // Linux: an exited child of a dead parent is a zombie until init reaps it; that is gone.
    const stat = fs.readFileSync('/proc/' + pid + '/stat', 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {}
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
};
const reap = () => {
  for (const pid of pids) { try { process.kill(pid, 'SIGTERM'); } catch {} }
  const left = () => [...pids].filter(alive);
  if (left().length === 0) process.exit(0);
  const deadline = Date.now() + 1000;
  const t = setInterval(() => {
    const l = left();
    if (l.length === 0) process.exit(0);
    if (Date.now() >= deadline) {
      for (const pid of l) { try { process.kill(pid, 'SIGKILL'); } catch {} }
      process.exit(0);
    }
  }, 50);
};
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
process.on('SIGTERM', reap);
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const line = buf.slice(0, i).trim();
    buf = buf.slice(i + 1);
    const pid = Number(line.slice(1));
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (line[0] === '+') pids.add(pid);
    else if (line[0] === '-') pids.delete(pid);
  }
});
process.stdin.on('end', reap);
process.stdin.on('error', reap);
`;

/** One watchdog process per randchat process, spawned on first use. */
export class ParentDeathWatchdog {
  #proc: ChildProcess | undefined;
  #failed = false;
  /** Watched pids, re-sent to a fresh watchdog if the previous one died. */
  readonly #pids = new Set<number>();

  /** The watchdog's pid (tests), or undefined before first use / after a failure. */
  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  watch(pid: number): void {
    this.#pids.add(pid);
    this.#send(`+${pid}\n`);
  }

  unwatch(pid: number): void {
    if (!this.#pids.delete(pid)) return;
    if (this.#proc) this.#send(`-${pid}\n`);
  }

  #send(line: string): void {
    const live = this.#proc !== undefined && this.#proc.exitCode === null && this.#proc.signalCode === null;
    const proc = this.#ensure();
    if (!proc?.stdin || proc.stdin.destroyed) return;
    // A fresh watchdog learns every pid still watched; otherwise just this line.
    proc.stdin.write(live ? line : [...this.#pids].map((p) => `+${p}\n`).join(''));
  }

  #ensure(): ChildProcess | undefined {
    if (this.#proc && this.#proc.exitCode === null && this.#proc.signalCode === null) return this.#proc;
    if (this.#failed) return undefined;
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // no loaders/inspectors in the watchdog
    let proc: ChildProcess;
    try {
      proc = spawn(process.execPath, ['-e', WATCHDOG_SCRIPT], {
        stdio: ['pipe', 'ignore', 'ignore'],
        env,
        windowsHide: true,
      });
    } catch {
      this.#failed = true;
      return undefined;
    }
    proc.on('error', () => {
      this.#failed = true;
      if (this.#proc === proc) this.#proc = undefined;
    });
    proc.on('exit', () => {
      if (this.#proc === proc) this.#proc = undefined;
    });
    proc.stdin?.on('error', () => undefined);
    proc.unref();
    (proc.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    this.#proc = proc;
    return proc;
  }
}
