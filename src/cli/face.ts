/** Runs a session behind one of the two faces: the Ink UI or `--json`. */
import { ExitCodes, type ExitCode } from '../errors.js';
import { shouldUseColor } from './color.js';
import type { CliDeps } from './deps.js';
import { runJsonMode } from './json-mode.js';
import type { SessionLike } from './session-like.js';

/** The UI needs a terminal on both ends; without one, explain and return NOT_A_TTY. */
export function checkTerminal(json: boolean, deps: CliDeps): ExitCode | null {
  if (json || (deps.stdout.isTTY && deps.stdin.isTTY)) return null;
  const which = deps.stdout.isTTY ? 'input' : 'output';
  deps.writeErr(
    `randchat: the chat UI needs a terminal, but the ${which} is not one.\n` +
      `Use --json for line-based NDJSON mode (events on stdout, commands on stdin).\n`,
  );
  return ExitCodes.NOT_A_TTY;
}

export async function runFace(
  session: SessionLike,
  opts: {
    json: boolean;
    deps: CliDeps;
    autoNext: boolean;
    notice: string[];
    /** The session has media: the UI shows the video pane, `--json` takes the media commands. */
    media?: boolean;
  },
): Promise<ExitCode> {
  const { deps } = opts;
  if (opts.json) {
    for (const line of opts.notice) deps.writeErr(`randchat: ${line}\n`);
    return runJsonMode(session, {
      stdin: deps.stdin,
      writeLine: (line) => deps.writeOut(line + '\n'),
      onSignal: deps.onSignal,
      output: deps.stdout,
      media: opts.media === true,
    });
  }
  const { runUi } = await import('./ui/run-ui.js');
  const { connectVideoSink } = await import('./ui/media-sink.js');
  return runUi(session, {
    stdin: deps.stdin,
    stdout: deps.stdout,
    stderr: deps.stderr,
    color: shouldUseColor(deps.env, deps.stdout.isTTY === true),
    autoNext: opts.autoNext,
    notice: opts.notice,
    onSignal: deps.onSignal,
    ...(opts.media
      ? { video: { env: deps.env, onSink: (sink) => connectVideoSink(session, sink, { selfView: true }) } }
      : {}),
  });
}
