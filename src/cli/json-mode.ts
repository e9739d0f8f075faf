/**
 * `--json`: the headless face for bots and CI. One command per stdin line, one event per stdout
 * line (NDJSON). Nothing else is ever written to stdout. See README "JSON mode".
 */
import { createInterface } from 'node:readline';
import { ErrorCodes, ExitCodes, RandchatError, type ExitCode } from '../errors.js';
import { exitCodeFor } from './exit-code.js';
import { subscribeData, type AnyDataEvent, type SessionLike } from './session-like.js';
import { safeLine, truncate } from './terminal-text.js';

export type JsonCommand =
  | { cmd: 'send'; text: string }
  | { cmd: 'typing' }
  | { cmd: 'next' }
  | { cmd: 'reconnect' }
  | { cmd: 'block' }
  | { cmd: 'report'; reason: string }
  /** Send our video (`on`) or pause it (`/video on|off`). */
  | { cmd: 'video'; on: boolean }
  /** Mute (`/mute`) or unmute (`/unmute`, `/mute off`) our audio. */
  | { cmd: 'mute'; muted: boolean }
  | { cmd: 'quit' };

export type ParsedLine =
  { kind: 'command'; command: JsonCommand } | { kind: 'empty' } | { kind: 'invalid'; message: string };

const BARE_COMMANDS = ['typing', 'next', 'reconnect', 'block', 'quit'] as const;
type BareCommand = (typeof BARE_COMMANDS)[number];
const isBare = (v: string): v is BareCommand => (BARE_COMMANDS as readonly string[]).includes(v);
const KNOWN_PLAIN =
  '/next, /reconnect, /typing, /block, /report <reason>, /video on|off, /mute, /unmute, /quit';
const SELF_VIEW_MESSAGE = '/self is for the terminal UI: --json never prints frames';
const ON_OFF: Record<string, boolean> = { on: true, off: false, yes: true, no: false, '1': true, '0': false };

/**
 * Parses one stdin line. JSON lines (starting with `{`) are commands; `/next`, `/reconnect`,
 * `/typing`, `/quit` are commands; `//text` sends `/text`; blank lines are ignored; any other line
 * is sent as a chat message.
 */
export function parseCommandLine(rawLine: string): ParsedLine {
  const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
  const trimmed = line.trim();
  if (trimmed === '') return { kind: 'empty' };
  if (trimmed.startsWith('{')) return parseJsonCommand(trimmed);
  if (trimmed.startsWith('//'))
    return { kind: 'command', command: { cmd: 'send', text: line.replace('/', '') } };
  if (/^\/report(\s|$)/i.test(trimmed)) {
    return { kind: 'command', command: { cmd: 'report', reason: trimmed.slice(7).trim() } };
  }
  if (trimmed.startsWith('/')) {
    const [name = '', arg, extra] = trimmed.slice(1).toLowerCase().split(/\s+/);
    const media = parseMediaWords(name, arg, extra);
    if (media) return media;
    if (isBare(name) && arg === undefined) return { kind: 'command', command: { cmd: name } };
    return {
      kind: 'invalid',
      message: `unknown command ${JSON.stringify(truncate(trimmed, 40))} (known: ${KNOWN_PLAIN}; start a line with // to send a message beginning with /)`,
    };
  }
  return { kind: 'command', command: { cmd: 'send', text: line } };
}

/** `/video on|off`, `/mute [on|off]`, `/unmute`, `/self`; null for other words. */
function parseMediaWords(
  name: string,
  arg: string | undefined,
  extra: string | undefined,
): ParsedLine | null {
  const flag = arg === undefined ? undefined : ON_OFF[arg];
  const bad = (message: string): ParsedLine => ({ kind: 'invalid', message });
  switch (name) {
    case 'video':
      if (flag === undefined || extra !== undefined) return bad('usage: /video on, /video off');
      return { kind: 'command', command: { cmd: 'video', on: flag } };
    case 'mute':
      if ((arg !== undefined && flag === undefined) || extra !== undefined)
        return bad('usage: /mute, /mute off (or /unmute)');
      return { kind: 'command', command: { cmd: 'mute', muted: flag ?? true } };
    case 'unmute':
      if (arg !== undefined) return bad('usage: /unmute');
      return { kind: 'command', command: { cmd: 'mute', muted: false } };
    case 'self':
      return bad(SELF_VIEW_MESSAGE);
    default:
      return null;
  }
}

function parseJsonCommand(text: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'invalid', message: 'line starts with "{" but is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'invalid', message: 'a JSON command must be an object' };
  }
  const cmd = (value as Record<string, unknown>).cmd;
  if (cmd === 'send') {
    const t = (value as Record<string, unknown>).text;
    if (typeof t !== 'string') return { kind: 'invalid', message: '"send" needs a string "text"' };
    return { kind: 'command', command: { cmd: 'send', text: t } };
  }
  if (cmd === 'report') {
    const reason = (value as Record<string, unknown>).reason;
    if (typeof reason !== 'string') return { kind: 'invalid', message: '"report" needs a string "reason"' };
    return { kind: 'command', command: { cmd: 'report', reason } };
  }
  if (cmd === 'video') {
    const on = (value as Record<string, unknown>).on;
    if (typeof on !== 'boolean') return { kind: 'invalid', message: '"video" needs a boolean "on"' };
    return { kind: 'command', command: { cmd: 'video', on } };
  }
  if (cmd === 'mute') {
    const muted = (value as Record<string, unknown>).muted ?? true;
    if (typeof muted !== 'boolean') return { kind: 'invalid', message: '"mute" takes a boolean "muted"' };
    return { kind: 'command', command: { cmd: 'mute', muted } };
  }
  if (cmd === 'self') return { kind: 'invalid', message: SELF_VIEW_MESSAGE };
  if (typeof cmd === 'string' && isBare(cmd)) return { kind: 'command', command: { cmd } };
  return {
    kind: 'invalid',
    message: `unknown "cmd" ${JSON.stringify(truncate(String(cmd), 40))} (known: send, typing, next, reconnect, block, report, video, mute, quit)`,
  };
}

const NO_MEDIA_MESSAGE =
  'video and audio are off in this session (--json is text-only unless --video or --audio is given)';

/** One NDJSON line for a session event: `{"event":"message","ts":…,"id":"…","text":"…"}`. */
export function formatEvent(event: AnyDataEvent, ts: number): string {
  return JSON.stringify({ event: event.name, ts, ...event.data });
}

export interface JsonModeIO {
  stdin: NodeJS.ReadableStream;
  /** Writes one line (without the newline) to stdout. */
  writeLine(line: string): void;
  now?: () => number;
  /** Subscribes to SIGINT/SIGTERM; returns an unsubscribe function. */
  onSignal?: (handler: (signal: NodeJS.Signals) => void) => () => void;
  /** The stdout stream: when its reader goes away (EPIPE), quit. */
  output?: NodeJS.EventEmitter;
  /** The session has media (a media flag was given); without it `video`/`mute` are errors. */
  media?: boolean;
}

/**
 * Runs a session in JSON mode until `quit`, end of stdin, a signal, or a fatal error.
 * Resolves with the exit code; never throws.
 */
export async function runJsonMode(session: SessionLike, io: JsonModeIO): Promise<ExitCode> {
  const now = io.now ?? Date.now;
  const emit = (event: AnyDataEvent): void => io.writeLine(formatEvent(event, now()));
  const emitError = (code: string, message: string): void =>
    emit({ name: 'error', data: { code, message: safeLine(message), fatal: false } });

  let fatalError: { code: string } | null = null;
  let finish!: (code: ExitCode) => void;
  const done = new Promise<ExitCode>((resolve) => (finish = resolve));

  const unsubscribe = subscribeData(session, (event) => {
    emit(event);
    if (event.name === 'error' && event.data.fatal) fatalError = event.data;
    if (event.name === 'state' && event.data.state === 'closed') {
      finish(fatalError ? exitCodeFor(fatalError) : ExitCodes.OK);
    }
  });

  const execute = (command: JsonCommand): void => {
    try {
      switch (command.cmd) {
        case 'send':
          session.send(command.text);
          return;
        case 'typing':
          session.typing();
          return;
        case 'next':
          session.next();
          return;
        case 'reconnect':
          session.reconnect().catch((err: unknown) => emitError(codeOf(err), messageOf(err)));
          return;
        case 'block':
          session.block();
          return;
        case 'report':
          session.report(command.reason);
          return;
        case 'video':
          if (!io.media) return emitError(ErrorCodes.BAD_COMMAND, NO_MEDIA_MESSAGE);
          session.setVideo?.(command.on);
          return;
        case 'mute':
          if (!io.media) return emitError(ErrorCodes.BAD_COMMAND, NO_MEDIA_MESSAGE);
          session.setMuted?.(command.muted);
          return;
        case 'quit':
          finish(ExitCodes.OK);
          return;
        default: {
          const never: never = command;
          throw new Error(`unhandled command ${JSON.stringify(never)}`);
        }
      }
    } catch (err) {
      emitError(codeOf(err), messageOf(err));
    }
  };

  const rl = createInterface({ input: io.stdin, crlfDelay: Infinity, terminal: false });
  rl.on('line', (line) => {
    const parsed = parseCommandLine(line);
    if (parsed.kind === 'command') execute(parsed.command);
    else if (parsed.kind === 'invalid') emitError(ErrorCodes.BAD_COMMAND, parsed.message);
  });
  rl.on('close', () => finish(ExitCodes.OK));
  const offSignal = io.onSignal?.(() => finish(ExitCodes.INTERRUPTED));
  const onOutputError = (): void => finish(ExitCodes.OK);
  io.output?.on('error', onOutputError);

  session.start().catch((err: unknown) => {
    const code = codeOf(err, ErrorCodes.SIGNALING_UNREACHABLE);
    if (!fatalError) emit({ name: 'error', data: { code, message: messageOf(err), fatal: true } });
    finish(exitCodeFor(fatalError ?? (err instanceof RandchatError ? err : { code })));
  });

  const code = await done;
  offSignal?.();
  io.output?.off('error', onOutputError);
  rl.close();
  await session.stop().catch(() => undefined);
  unsubscribe();
  return code;
}

function codeOf(err: unknown, fallback: string = ErrorCodes.BAD_COMMAND): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return fallback;
}
function messageOf(err: unknown): string {
  return safeLine(err instanceof Error ? err.message : String(err));
}
