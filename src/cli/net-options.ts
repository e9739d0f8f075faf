/**
 * Command-line options for NAT traversal, privacy and abuse controls (`randchat server` and chat).
 * Secrets never come from a plain command-line value (it would show in the process list): they are
 * read from an environment variable or a file, and the literal flags are refused with a hint.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { intAtLeast } from './args.js';

const url =
  (schemes: string[]) =>
  (value: string, previous: string[] = []): string[] => {
    if (!new RegExp(`^(${schemes.join('|')}):`, 'i').test(value)) {
      throw new InvalidArgumentError(`expected a ${schemes.join(': or ')}: URL`);
    }
    return [...previous, value];
  };
const repeat = (value: string, previous: string[] = []): string[] => [...previous, value];

function refuseLiteral(env: string, file?: string): (value: string) => never {
  return () => {
    const where = file ? `the ${env} environment variable or ${file}` : `the ${env} environment variable`;
    throw new InvalidArgumentError(`secrets on the command line are visible to other users; use ${where}`);
  };
}

export function addServerNetOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--stun <url>', 'STUN URL handed to clients (repeatable)')
        .argParser(url(['stun', 'stuns']))
        .default([]),
    )
    .addOption(
      new Option(
        '--turn <url>',
        'TURN URL handed to clients, with per-match credentials given a secret (repeatable)',
      )
        .argParser(url(['turn', 'turns']))
        .default([]),
    )
    .addOption(
      new Option(
        '--turn-secret-file <path>',
        "file holding coturn's static-auth-secret (env: RANDCHAT_TURN_SECRET)",
      ),
    )
    .addOption(
      new Option('--turn-secret <secret>')
        .hideHelp()
        .argParser(refuseLiteral('RANDCHAT_TURN_SECRET', '--turn-secret-file')),
    )
    .addOption(
      new Option('--turn-ttl <seconds>', 'lifetime of issued TURN credentials (default 3600)').argParser(
        intAtLeast(60),
      ),
    )
    .addOption(
      new Option(
        '--secret-file <path>',
        'server secret for block tags and IP hashes (env: RANDCHAT_SERVER_SECRET; default random)',
      ),
    )
    .addOption(
      new Option(
        '--max-buffered-bytes <n>',
        'unsent bytes before a slow client is disconnected; 0 = no cap (default 1048576)',
      ).argParser(intAtLeast(0)),
    )
    .addOption(
      new Option('--allow-origin <origin>', 'accepted Origin header (repeatable; default any)')
        .argParser(repeat)
        .default([]),
    )
    .addOption(new Option('--tls-cert <path>', 'PEM certificate: serve wss:// (with --tls-key)'))
    .addOption(new Option('--tls-key <path>', 'PEM private key for --tls-cert'))
    .addOption(
      new Option('--ban-file <path>', 'banned IPs or IP hashes, one per line; reloaded on change and SIGHUP'),
    );
}

export function addChatNetOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--stun <url>',
        'use this STUN server instead of the server-provided ones (repeatable)',
      ).argParser(url(['stun', 'stuns'])),
    )
    .addOption(
      new Option(
        '--turn <url>',
        'use this TURN server instead of the server-provided ones (repeatable)',
      ).argParser(url(['turn', 'turns'])),
    )
    .addOption(
      new Option('--turn-user <name>', 'TURN username (password: env RANDCHAT_TURN_PASS)').env(
        'RANDCHAT_TURN_USER',
      ),
    )
    .addOption(new Option('--turn-pass <password>').hideHelp().argParser(refuseLiteral('RANDCHAT_TURN_PASS')))
    .option('--relay-only', 'send everything through TURN so the stranger never learns your IP address')
    .addOption(new Option('--ca <path>', 'also trust this CA certificate (PEM) for a wss:// server'))
    .addOption(
      new Option(
        '--block-file <path>',
        'where /block keeps blocked strangers (default ~/.config/randchat/blocked.json)',
      ).env('RANDCHAT_BLOCK_FILE'),
    )
    .option('--no-block-file', 'keep blocks for this session only, and stay unlinkable across runs');
}
