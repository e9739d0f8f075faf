/**
 * Mounts the Ink UI for a session and resolves with the exit code once the user quits, a signal
 * arrives, or the session dies. The terminal is always restored (alternate screen, cursor, raw mode).
 */
import { render } from 'ink';
import { ExitCodes, type ExitCode } from '../../errors.js';
import { exitCodeFor } from '../exit-code.js';
import type { SessionLike } from '../session-like.js';
import { safeLine } from '../terminal-text.js';
import type { VideoSink } from '../../media/render/frame.js';
import { resolveRenderMode, type RenderModeChoice } from '../../media/render/mode.js';
import { App } from './app.js';
import { ThemeContext, makeTheme } from './theme.js';
import { AppWithVideo } from './video-app.js';
import { RESET_SCROLL_REGION } from './video-layout.js';
import { VideoPane } from './video-pane.js';

export interface RunUiOptions {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  color: boolean;
  autoNext?: boolean;
  notice?: string[];
  onSignal?: (handler: (signal: NodeJS.Signals) => void) => () => void;
  /** Use the terminal's alternate screen (default true). */
  alternateScreen?: boolean;
  /** Draw video in a pane above the chat (omit for text only). */
  video?: RunUiVideoOptions;
}

export interface RunUiVideoOptions {
  /** kitty, truecolor, 256, mono, or auto (default): see src/media/render/mode.ts. */
  mode?: RenderModeChoice;
  /** Start with the self-view corner shown (default true). */
  selfView?: boolean;
  /** Environment for `auto` (default process.env). */
  env?: Record<string, string | undefined>;
  /** Hands the pane to the frame producer (the media pipeline); may return a detach function. */
  onSink?: (sink: VideoSink) => (() => void) | void;
}

const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';
const SHOW_CURSOR = '\x1b[?25h';

export async function runUi(session: SessionLike, opts: RunUiOptions): Promise<ExitCode> {
  const alt = opts.alternateScreen ?? true;
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    pane?.close();
    opts.stdout.write(RESET_SCROLL_REGION + (alt ? LEAVE_ALT_SCREEN : '') + SHOW_CURSOR);
  };
  if (alt) opts.stdout.write(ENTER_ALT_SCREEN);
  // Created before Ink mounts: it reserves the top rows and puts the cursor below them.
  const pane = opts.video
    ? new VideoPane({
        stdout: opts.stdout,
        mode: resolveRenderMode(opts.video.mode ?? 'auto', opts.video.env ?? process.env, opts.color),
        selfView: opts.video.selfView ?? true,
      })
    : null;
  const detachSink = pane ? opts.video?.onSink?.(pane) : undefined;
  // A crash must not leave the user in the alternate screen with a hidden cursor.
  process.once('exit', restore);

  let finish!: (code: ExitCode) => void;
  const done = new Promise<ExitCode>((resolve) => (finish = resolve));
  let fatal: { code: string; message: string } | null = null;
  const offError = session.on('error', (e) => {
    if (e.fatal) fatal = e;
  });
  const offState = session.on('state', ({ state }) => {
    if (state === 'closed') finish(fatal ? exitCodeFor(fatal) : ExitCodes.OK);
  });
  const offSignal = opts.onSignal?.(() => finish(ExitCodes.INTERRUPTED));

  const appProps = {
    session,
    onQuit: () => finish(ExitCodes.OK),
    autoNext: opts.autoNext ?? false,
    notice: opts.notice ?? [],
  };
  const ink = render(
    <ThemeContext.Provider value={makeTheme(opts.color)}>
      {pane ? <AppWithVideo {...appProps} pane={pane} /> : <App {...appProps} />}
    </ThemeContext.Provider>,
    { stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr, exitOnCtrlC: false, patchConsole: true },
  );

  session.start().catch((err: unknown) => {
    fatal ??= {
      code:
        typeof err === 'object' && err !== null && 'code' in err
          ? String(err.code)
          : 'ERR_SIGNALING_UNREACHABLE',
      message: err instanceof Error ? err.message : String(err),
    };
    finish(exitCodeFor(fatal));
  });

  const code = await done;
  offSignal?.();
  offState();
  offError();
  detachSink?.();
  // Give the terminal back first; leaving the stranger and closing sockets can take a moment.
  ink.unmount();
  await ink.waitUntilExit().catch(() => undefined);
  restore();
  process.off('exit', restore);
  await session.stop().catch(() => undefined);
  const f = fatal as { code: string; message: string } | null;
  if (f && code !== ExitCodes.OK)
    opts.stderr.write(`randchat: ${safeLine(f.message)} (${safeLine(f.code)})\n`);
  return code;
}
