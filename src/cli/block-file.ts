/**
 * `--block-file PATH` (default `$XDG_CONFIG_HOME/randchat/blocked.json`, else
 * `~/.config/randchat/blocked.json`): the strangers you blocked, kept across runs.
 *
 *     {"version":1,"identity":"<random>","blocked":[{"tag":"<peerTag>","at":"2026-01-01T00:00:00.000Z"}]}
 *
 * `identity` is a random secret made on first use and sent in `hello`, so a server that issued the
 * tags recognises you (and the strangers you blocked) in later sessions. Privacy trade-off (README):
 * the server can link your sessions through it; strangers cannot (tags differ per observer). Delete
 * the file, or use `--no-block-file`, to be unlinkable again (blocks then last one session).
 * Written with mode 0600, atomically (temp file + rename).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ErrorCodes, RandchatError } from '../errors.js';
import type { BlockStore } from '../peer/session.js';
import { MAX_TAG_CHARS, MIN_IDENTITY_CHARS } from '../signaling/protocol.js';
import type { Env } from './deps.js';

interface BlockFileData {
  version: 1;
  identity: string;
  blocked: { tag: string; at: string }[];
}

export function defaultBlockFile(env: Env): string {
  const base = env['XDG_CONFIG_HOME'] || join(env['HOME'] || homedir(), '.config');
  return join(base, 'randchat', 'blocked.json');
}

/** Opens (creating on first write) a block file. Throws ERR_BLOCK_FILE if it exists but is unreadable. */
export function openBlockFile(path: string): BlockStore {
  // Read now: a broken file is reported at startup, not at the first /block.
  const state: BlockFileData = read(path) ?? {
    version: 1,
    identity: randomBytes(24).toString('base64url'),
    blocked: [],
  };
  const save = (): void => {
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(state, null, 1) + '\n', { mode: 0o600 });
      renameSync(tmp, path);
    } catch (err) {
      throw new RandchatError(ErrorCodes.BLOCK_FILE, `cannot write ${path}: ${(err as Error).message}`);
    }
  };
  return {
    identity: state.identity,
    tags: () => state.blocked.map((b) => b.tag),
    add(tag) {
      if (state.blocked.some((b) => b.tag === tag)) return;
      state.blocked.push({ tag, at: new Date().toISOString() });
      save();
    },
  };
}

function read(path: string): BlockFileData | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new RandchatError(ErrorCodes.BLOCK_FILE, `cannot read ${path}: ${(err as Error).message}`);
  }
  const data = parseBlockFile(text);
  if (!data) throw new RandchatError(ErrorCodes.BLOCK_FILE, `${path} is not a randchat block file`);
  return data;
}

/** Validates a block file's content; null if it is not one. */
export function parseBlockFile(text: string): BlockFileData | null {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null) return null;
  const { version, identity, blocked } = o as Record<string, unknown>;
  if (version !== 1 || typeof identity !== 'string' || identity.length < MIN_IDENTITY_CHARS) return null;
  if (!Array.isArray(blocked)) return null;
  const entries = blocked.filter(
    (b): b is { tag: string; at: string } =>
      typeof b === 'object' &&
      b !== null &&
      typeof (b as { tag?: unknown }).tag === 'string' &&
      (b as { tag: string }).tag.length <= MAX_TAG_CHARS,
  );
  return { version: 1, identity: identity.slice(0, 128), blocked: entries };
}
