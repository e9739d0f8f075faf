/**
 * Chat flags for NAT traversal and privacy turned into session options: the user's own STUN/TURN
 * servers (`--stun`, `--turn`, `--turn-user` + RANDCHAT_TURN_PASS), `--relay-only`, a custom CA for
 * `wss://` (`--ca`), and the block file.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { ErrorCodes, ExitCodes, RandchatError } from '../errors.js';
import type { IceServer } from '../signaling/protocol.js';
import { defaultBlockFile, openBlockFile } from './block-file.js';
import type { Env } from './deps.js';
import type { ChatFlags } from './flags.js';
import type { SessionFactoryOptions } from './session-like.js';

export function chatNetOptions(flags: ChatFlags, env: Env): Partial<SessionFactoryOptions> {
  const o: Partial<SessionFactoryOptions> = {};
  const ice: IceServer[] = [];
  if (flags.stun?.length) ice.push({ urls: flags.stun });
  if (flags.turn?.length) {
    const pass = env['RANDCHAT_TURN_PASS'];
    ice.push({
      urls: flags.turn,
      ...(flags.turnUser !== undefined ? { username: flags.turnUser } : {}),
      ...(pass !== undefined ? { credential: pass } : {}),
    });
  }
  if (ice.length > 0) o.iceServers = ice;
  if (flags.relayOnly) o.relayOnly = true;
  if (flags.ca !== undefined) {
    try {
      o.ca = [...rootCertificates, readFileSync(flags.ca, 'utf8')];
    } catch (err) {
      throw new RandchatError(
        ErrorCodes.SIGNALING_UNREACHABLE,
        `cannot read --ca ${flags.ca}: ${(err as Error).message}`,
        {
          exitCode: ExitCodes.USAGE,
        },
      );
    }
  }
  if (flags.blockFile !== false) {
    o.blockStore = openBlockFile(
      typeof flags.blockFile === 'string' ? flags.blockFile : defaultBlockFile(env),
    );
  }
  return o;
}
