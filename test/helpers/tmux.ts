/**
 * Drives a real terminal for end-to-end UI tests: a private tmux server (own socket, so the
 * user's tmux is never touched) with one session, `capture-pane` polling with a deadline.
 */
import { execFileSync, spawnSync } from 'node:child_process';

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
