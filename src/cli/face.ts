/** Runs a session behind one of the two faces: the Ink UI or `--json`. */
import { ExitCodes, type ExitCode } from '../errors.js';
import { shouldUseColor } from './color.js';
import type { CliDeps } from './deps.js';
import type { CommonFlags } from './flags.js';
import { runJsonMode } from './json-mode.js';
import { openLogger, type CliLogger } from './logging.js';
import type { SessionLike } from './session-like.js';

/**
 * The common start of `randchat` and `randchat demo`: the Ink UI needs a terminal (else a hint at
 * --json and NOT_A_TTY); logs go to --log-file, or to stderr only in --json mode (under the UI
 * stderr would garble the screen).
 */
export function openFace(
  flags: CommonFlags & { json?: boolean },
  deps: CliDeps,
): ExitCode | { json: boolean; log: CliLogger } {
  const json = flags.json === true;
  if (!json && !(deps.stdout.isTTY && deps.stdin.isTTY)) {
    const which = deps.stdout.isTTY ? 'input' : 'output';
    deps.writeErr(
      `randchat: the chat UI needs a terminal, but the ${which} is not one.\n` +
        `Use --json for line-based NDJSON mode (events on stdout, commands on stdin).\n`,
    );
    return ExitCodes.NOT_A_TTY;
  }
  const log = openLogger({
    level: flags.logLevel,
    file: flags.logFile,
    stderrAllowed: json,
    writeErr: deps.writeErr,
  });
  return { json, log };
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
