/**
 * The command line: `createProgram(deps)` builds the commander program with injected output,
 * env and streams; `runCli(argv, deps)` runs it and resolves with the exit code. Actions load
 * their implementation (ink, react, werift, ws) with dynamic import(), so `--help` stays fast.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ExitCodes, RandchatError } from '../errors.js';
import {
  intAtLeast,
  LOG_LEVELS,
  parseInterestList,
  parseLogLevel,
  parsePort,
  parseRate,
  parseServerUrl,
} from './args.js';
import { shouldUseColor } from './color.js';
import type { CliDeps, Env } from './deps.js';
import type { ChatFlags, DemoFlags, ServerFlags } from './flags.js';
import { addChatNetOptions, addServerNetOptions } from './net-options.js';
import { addChatMediaOptions } from './media-options.js';

export const DEFAULT_SERVER_URL = 'ws://127.0.0.1:8787';
/** Keep in sync with DEFAULT_PORT in src/signaling/server (not imported: --help must stay light). */
export const DEFAULT_SERVER_PORT = 8787;

const SLASH_HELP = `
Chat commands (type them in the chat):
  /next        skip this stranger and find a new one
  /reconnect   rebuild the connection to this stranger
  /stats       show connection details
  /block       never meet this (or the last) stranger again
  /report WHY  report this (or the last) stranger to the server operator
  /video on|off  turn your video on or off
  /mute        mute or unmute your microphone
  /self        show or hide your own picture in the video pane
  /clear       clear the chat log
  /help        show commands and keys
  /quit        leave and exit (also Ctrl+C)`;

const ROOT_HELP = `
Examples:
  $ randchat demo                              try it offline against a built-in demo stranger
  $ randchat --server wss://chat.example.org   chat with a random stranger
  $ randchat --interests music,go              prefer strangers who share an interest
  $ randchat server --port 8787                run a signaling server
  $ randchat --serve                           run a server in-process and join it
  $ randchat --json --server ws://127.0.0.1:8787 < commands.txt
${SLASH_HELP}

JSON mode (--json): one command per stdin line ({"cmd":"send","text":"hi"}, {"cmd":"next"},
{"cmd":"typing"}, {"cmd":"reconnect"}, {"cmd":"block"}, {"cmd":"report","reason":"…"}, {"cmd":"quit"},
with media: {"cmd":"video","on":false}, {"cmd":"mute","muted":true}; or plain text: /next, /reconnect,
/typing, /block, /report WHY, /video on|off, /mute, /unmute, /quit, anything else is sent); one event per
stdout line: {"event":"…","ts":…,…}. End of stdin quits. --json is text-only unless a media flag is
given (--video test --audio tone for bots); media events: first-frame, media-stats, freeze, black-frame,
frozen-picture, partner-media, partner-recording, media-error.

Environment:
  RANDCHAT_SERVER      default for --server
  RANDCHAT_INTERESTS   default for --interests
  RANDCHAT_LOG_LEVEL   default for --log-level
  RANDCHAT_LOG_FILE    default for --log-file
  RANDCHAT_HOST, RANDCHAT_PORT   defaults for "randchat server"
  RANDCHAT_FFMPEG      ffmpeg binary (default for --ffmpeg; see "randchat doctor")
  RANDCHAT_TURN_USER, RANDCHAT_TURN_PASS   credentials for --turn (the password only from env)
  RANDCHAT_BLOCK_FILE  default for --block-file
  RANDCHAT_TURN_SECRET, RANDCHAT_SERVER_SECRET   "randchat server" secrets (or --*-secret-file)
  RANDCHAT_REDIS       default for "randchat server --redis" (multi-node mode)
  NO_COLOR, FORCE_COLOR          colour output (https://no-color.org)

Exit codes: 0 ok · 1 failure · 2 usage · 3 signaling unreachable · 4 protocol mismatch ·
            5 not a terminal (use --json) · 130 interrupted`;

export function createProgram(deps: CliDeps): Command {
  const setExit = (code: number): void => deps.setExitCode?.(code);
  const program = new Command('randchat');
  program
    .description('Random 1:1 video and text chat with a stranger, from your terminal, over WebRTC.')
    .version(deps.version, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => deps.writeOut(s),
      writeErr: (s) => deps.writeErr(s),
      getOutHelpWidth: () => deps.stdout.columns || 80,
      getErrHelpWidth: () => deps.stderr.columns || 80,
      getOutHasColors: () => shouldUseColor(deps.env, deps.stdout.isTTY === true),
      getErrHasColors: () => shouldUseColor(deps.env, deps.stderr.isTTY === true),
    })
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .hook('preAction', (_root, action) => applyInjectedEnv(action, deps.env));

  addChatOptions(program).addHelpText('after', ROOT_HELP);
  program.action(async (_flags, cmd: Command) => {
    const { runChat } = await import('./chat.js');
    setExit(await runChat(cmd.opts<ChatFlags>(), deps));
  });

  addChatOptions(program.command('chat').description('chat with a random stranger (the default command)'))
    .addHelpText('after', SLASH_HELP)
    .action(async (_flags, cmd: Command) => {
      const { runChat } = await import('./chat.js');
      setExit(await runChat(cmd.opts<ChatFlags>(), deps));
    });

  addChatMediaOptions(
    addCommonOptions(
      program
        .command('demo')
        .description('try randchat offline: an in-process server and built-in demo strangers')
        .option('--json', 'headless mode: NDJSON events on stdout, commands on stdin')
        .option('--auto-next', 'search again automatically when the stranger leaves')
        .addOption(interestsOption()),
    ),
  )
    .addHelpText('after', SLASH_HELP)
    .action(async (_flags, cmd: Command) => {
      const { runDemo } = await import('./demo.js');
      setExit(await runDemo(cmd.opts<DemoFlags>(), deps));
    });

  addServerNetOptions(
    addServerOptions(
      program.command('server').description('run a signaling server; prints its ws:// URL on stdout'),
    ),
  ).action(async (_flags, cmd: Command) => {
    const { runServer } = await import('./server-command.js');
    setExit(await runServer(cmd.opts<ServerFlags>(), deps));
  });

  program
    .command('doctor')
    .description('check ffmpeg (video and audio): where it is, what it can do, what randchat will use')
    .addOption(ffmpegOption())
    .option('--json', 'print one JSON object')
    .action(async (_flags, cmd: Command) => {
      const { runDoctor } = await import('./doctor-command.js');
      setExit(await runDoctor(cmd.opts(), deps));
    });

  program
    .command('devices')
    .description('list cameras and microphones (ids for webcam:ID and mic:ID)')
    .addOption(ffmpegOption())
    .option('--json', 'print one JSON object')
    .action(async (_flags, cmd: Command) => {
      const { runDevices } = await import('./devices-command.js');
      setExit(await runDevices(cmd.opts(), deps));
    });

  return program;
}

/** Runs the program; resolves with the process exit code. Never throws. */
export async function runCli(argv: readonly string[], deps: Omit<CliDeps, 'setExitCode'>): Promise<number> {
  let code: number = ExitCodes.OK;
  const program = createProgram({ ...deps, setExitCode: (c) => (code = c) });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCodes.OK : ExitCodes.USAGE;
    if (err instanceof RandchatError) {
      deps.writeErr(`randchat: ${err.message} (${err.code})\n`);
      return err.exitCode;
    }
    deps.writeErr(
      `randchat: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return ExitCodes.FAILURE;
  }
}

function addServerOptions(cmd: Command): Command {
  return addCommonOptions(
    cmd
      .addOption(
        new Option('--host <host>', 'interface to listen on').env('RANDCHAT_HOST').default('127.0.0.1'),
      )
      .addOption(
        new Option('-p, --port <port>', 'port to listen on (0 = any free port)')
          .env('RANDCHAT_PORT')
          .default(DEFAULT_SERVER_PORT)
          .argParser(parsePort),
      )
      .addOption(
        num(
          '--grace-ms <ms>',
          'how long a dropped client may resume and keep its stranger (default 20000)',
          1,
        ),
      )
      .addOption(num('--heartbeat-ms <ms>', 'ping sweep interval; 0 disables (default 15000)', 0))
      .addOption(
        num('--hello-timeout-ms <ms>', 'close connections that do not say hello in time (default 10000)', 1),
      )
      .addOption(
        num('--interest-window-ms <ms>', 'how long to hold out for a shared interest (default 5000)', 0),
      )
      .addOption(
        num('--max-connections-per-ip <n>', 'open connections per IP; 0 = unlimited (default 50)', 0),
      )
      .addOption(num('--max-message-bytes <n>', 'largest accepted message (default 65536)', 256))
      .addOption(
        num(
          '--max-protocol-errors <n>',
          'invalid messages before a connection is closed; 0 = never (default 20)',
          0,
        ),
      )
      .addOption(
        num('--flood-close-after <n>', 'rate-limited messages in a row before closing (default 100)', 1),
      )
      .addOption(num('--shutdown-timeout-ms <ms>', 'how long close() waits for clients (default 2000)', 0))
      .addOption(
        new Option(
          '--message-rate <rate/burst>',
          'per-connection messages per second and burst (default 50/100)',
        ).argParser(parseRate),
      )
      .addOption(
        new Option(
          '--join-rate <rate/burst>',
          'per-connection join/next per second and burst (default 2/10)',
        ).argParser(parseRate),
      )
      .addOption(
        new Option('--ice-server <url>', 'deprecated: use --stun / --turn (STUN/TURN URL, repeatable)')
          .argParser(collect)
          .default([]),
      )
      .addOption(
        new Option('--redis <url>', 'multi-node: share queue, pairs and resume tokens through Redis')
          .env('RANDCHAT_REDIS')
          .argParser(parseRedisUrl),
      ),
  );
}

function addChatOptions(cmd: Command): Command {
  return addChatMediaOptions(addChatNetOptions(addChatBaseOptions(cmd)));
}

function addChatBaseOptions(cmd: Command): Command {
  return addCommonOptions(
    cmd
      .addOption(
        new Option('-s, --server <url>', 'signaling server URL')
          .env('RANDCHAT_SERVER')
          .default(DEFAULT_SERVER_URL)
          .argParser(parseServerUrl),
      )
      .option('--serve', 'also run a signaling server in-process (127.0.0.1, free port) and join it')
      .addOption(interestsOption())
      .option('--json', 'headless mode: NDJSON events on stdout, commands on stdin')
      .option('--auto-next', 'search again automatically when the stranger leaves')
      .option('--loopback', 'bind ICE to 127.0.0.1 only (tests, single machine)'),
  );
}

function addCommonOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--log-level <level>', 'log verbosity (logs go to stderr, or --log-file in the UI)')
        .env('RANDCHAT_LOG_LEVEL')
        .choices(LOG_LEVELS)
        .default('warn')
        .argParser(parseLogLevel),
    )
    .addOption(new Option('--log-file <path>', 'append logs to this file').env('RANDCHAT_LOG_FILE'));
}

/** `--ffmpeg`; RANDCHAT_FFMPEG is read by resolveFfmpeg itself, so doctor can say which one was used. */
function ffmpegOption(): Option {
  return new Option('--ffmpeg <path>', 'use this ffmpeg binary (env: RANDCHAT_FFMPEG)');
}

function interestsOption(): Option {
  return new Option('-i, --interests <list>', 'comma-separated interests, e.g. music,go')
    .env('RANDCHAT_INTERESTS')
    .argParser(parseInterestList);
}

function num(flags: string, description: string, min: number): Option {
  return new Option(flags, description).argParser(intAtLeast(min));
}

function parseRedisUrl(value: string): string {
  if (!/^rediss?:\/\/[^\s]+$/.test(value))
    throw new InvalidArgumentError('expected a redis:// or rediss:// URL');
  return value;
}

function collect(value: string, previous: string[] = []): string[] {
  if (!/^(stun|stuns|turn|turns):/.test(value))
    throw new InvalidArgumentError('expected a stun: or turn: URL');
  return [...previous, value];
}

/**
 * commander reads `.env()` variables from process.env; when another env is injected (tests),
 * re-apply the option env vars from it, with the same precedence (command line wins).
 */
function applyInjectedEnv(cmd: Command, env: Env): void {
  if (env === process.env) return;
  for (const opt of cmd.options) {
    if (!opt.envVar) continue;
    const key = opt.attributeName();
    const source = cmd.getOptionValueSource(key);
    if (source === 'cli') continue;
    const raw = env[opt.envVar];
    if (raw === undefined) {
      if (source === 'env') cmd.setOptionValueWithSource(key, opt.defaultValue, 'default');
      continue;
    }
    try {
      const value = opt.parseArg ? opt.parseArg(raw, opt.defaultValue) : opt.isBoolean() ? true : raw;
      cmd.setOptionValueWithSource(key, value, 'env');
    } catch (err) {
      const why = err instanceof InvalidArgumentError ? err.message : String(err);
      cmd.error(`error: option '${opt.flags}' value '${raw}' from env ${opt.envVar} is invalid. ${why}`, {
        code: 'commander.invalidArgument',
        exitCode: ExitCodes.USAGE,
      });
    }
  }
}
