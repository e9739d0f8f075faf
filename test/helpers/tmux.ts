/**
 * Drives a real terminal for end-to-end UI tests: a private tmux server (own socket, so the
 * user's tmux is never touched) with one session, `capture-pane` polling with a deadline.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export function tmuxAvailable(): boolean {
  return spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
}

export class Tmux {
  readonly socket = `randchat-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  readonly session = 'rc';

  #tmux(args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /** Starts `sh` in a width × height terminal, with `env` (CI removed so Ink draws live frames). */
  start(opts: { width: number; height: number; cwd: string }): void {
    this.#tmux([
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '-s',
      this.session,
      '-x',
      String(opts.width),
      '-y',
      String(opts.height),
      '-c',
      opts.cwd,
      'sh',
    ]);
  }

  /** Types text literally (no key-name lookup). */
  type(text: string): void {
    this.#tmux(['send-keys', '-t', this.session, '-l', text]);
  }

  /** Presses named keys: Enter, C-c, PPage, … */
  press(...keys: string[]): void {
    this.#tmux(['send-keys', '-t', this.session, ...keys]);
  }

  /** The screen as text; with `escapes`, colours and attributes kept as SGR sequences (`-e`). */
  capture(escapes = false): string {
    return this.#tmux(['capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', this.session]);
  }

  /** A pane variable, e.g. `alternate_on`, `cursor_flag`. */
  display(format: string): string {
    return this.#tmux(['display-message', '-p', '-t', this.session, format]).trim();
  }

  /** Polls the screen until `pred` holds; fails with the last screen after `timeoutMs`. */
  async waitForScreen(
    pred: (screen: string) => boolean,
    timeoutMs: number,
    what: string,
    opts: { escapes?: boolean } = {},
  ): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    while (Date.now() < deadline) {
      screen = this.capture(opts.escapes ?? false);
      if (pred(screen)) return screen;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; screen:\n${screen}`);
  }

  kill(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore' });
  }
}

export interface Cell {
  ch: string;
  /** Truecolor `r,g,b`, or '' for the default (256-colour codes are skipped). */
  fg: string;
  bg: string;
}

/** Parses one line of `capture-pane -e` output into cells with their colours ('' = default). */
export function parseCells(line: string): Cell[] {
  const cells: Cell[] = [];
  let fg = '';
  let bg = '';
  const re = /\x1b\[([\d;:]*)m|\x1b[^[]|([^\x1b])/gu;
  for (const m of line.matchAll(re)) {
    if (m[2] !== undefined) {
      cells.push({ ch: m[2], fg, bg });
      continue;
    }
    if (m[1] === undefined) continue;
    const p = m[1] === '' ? ['0'] : m[1].split(';');
    for (let i = 0; i < p.length; i++) {
      const v = p[i];
      if (v === '0') [fg, bg] = ['', ''];
      else if (v === '39') fg = '';
      else if (v === '49') bg = '';
      else if ((v === '38' || v === '48') && p[i + 1] === '2') {
        const rgb = p.slice(i + 2, i + 5).join(',');
        if (v === '38') fg = rgb;
        else bg = rgb;
        i += 4;
      } else if ((v === '38' || v === '48') && p[i + 1] === '5') i += 2;
    }
  }
  return cells;
}

/** Every descendant of `pid` (Linux: from /proc; [] elsewhere). */
export function descendants(pid: number): { pid: number; comm: string }[] {
  if (process.platform !== 'linux') return [];
  const parent = new Map<number, { ppid: number; comm: string }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      parent.set(Number(name), { ppid, comm });
    } catch {
      // gone meanwhile
    }
  }
  const out: { pid: number; comm: string }[] = [];
  const walk = (p: number): void => {
    for (const [child, info] of parent)
      if (info.ppid === p) {
        out.push({ pid: child, comm: info.comm });
        walk(child);
      }
  };
  walk(pid);
  return out;
}
