/**
 * The operator's ban list (`--ban-file PATH`): reloaded when the file changes and on SIGHUP.
 *
 * One entry per line; blank lines and `#` comments are ignored:
 *
 *     <ip-hash or IP address> [until]      # until: ISO 8601 time or Unix seconds; none = forever
 *     {"ipHash":"…","until":"2030-01-01T00:00:00Z","note":"…"}   # JSON lines work too ("ip" for an address)
 *
 * IP hashes are the `ipHash` values in the server's logs and abuse reports (salted with the server
 * secret: keep `--secret-file` stable so they stay valid across restarts). Raw addresses are hashed
 * on load and never kept.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { isIP } from 'node:net';
import type { Logger } from '../../util/logger.js';

export interface BanEntry {
  ipHash: string;
  /** Epoch ms; Infinity = forever. */
  until: number;
}

export interface ParsedBans {
  entries: BanEntry[];
  /** 1-based line numbers that could not be read. */
  invalidLines: number[];
}

const HASH_RE = /^[0-9a-f]{8,64}$/;

/** Parses a ban file. Pure: `hashIp` turns raw addresses into hashes. */
export function parseBanFile(text: string, hashIp: (ip: string) => string): ParsedBans {
  const entries: BanEntry[] = [];
  const invalidLines: number[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.startsWith('{') ? raw.trim() : raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const entry = line.startsWith('{') ? jsonEntry(line, hashIp) : textEntry(line, hashIp);
    if (entry) entries.push(entry);
    else invalidLines.push(i + 1);
  });
  return { entries, invalidLines };
}

function textEntry(line: string, hashIp: (ip: string) => string): BanEntry | null {
  const [who, until, ...rest] = line.split(/\s+/);
  if (who === undefined || rest.length > 0) return null;
  return entry(who, until, hashIp);
}

function jsonEntry(line: string, hashIp: (ip: string) => string): BanEntry | null {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null) return null;
  const { ipHash, ip, until } = o as Record<string, unknown>;
  const who = typeof ipHash === 'string' ? ipHash : typeof ip === 'string' && isIP(ip) ? ip : undefined;
  if (who === undefined || (until !== undefined && typeof until !== 'string' && typeof until !== 'number'))
    return null;
  return entry(who, until === undefined ? undefined : String(until), hashIp);
}

function entry(who: string, until: string | undefined, hashIp: (ip: string) => string): BanEntry | null {
  const ipHash = isIP(who) ? hashIp(who) : who.toLowerCase();
  if (!HASH_RE.test(ipHash)) return null;
  if (until === undefined) return { ipHash, until: Infinity };
  const ms = /^\d+$/.test(until) ? Number(until) * 1000 : Date.parse(until);
  return Number.isFinite(ms) ? { ipHash, until: ms } : null;
}

/** The live ban list: a file watched for changes, plus an explicit `reload()` (SIGHUP). */
export class BanList {
  #bans = new Map<string, number>();
  #watcher: FSWatcher | null = null;
  #pending: Promise<number> | null = null;
  #again = false;

  constructor(
    readonly file: string,
    readonly hashIp: (ip: string) => string,
    readonly logger: Logger,
    /** Called after every successful reload (the server drops banned connections). */
    readonly onReload: () => void = () => undefined,
  ) {}

  get size(): number {
    return this.#bans.size;
  }

  isBanned(ipHash: string, now: number): boolean {
    const until = this.#bans.get(ipHash);
    return until !== undefined && now < until;
  }

  /** Watches the file's directory (editors replace files) and loads it once. */
  async start(): Promise<void> {
    await this.reload();
    try {
      const name = basename(this.file);
      this.#watcher = watch(dirname(this.file), (_event, changed) => {
        if (changed === null || changed === name) void this.reload();
      });
      this.#watcher.on('error', (err) => this.logger.warn('ban file watch failed', { err }));
    } catch (err) {
      this.logger.warn('cannot watch the ban file; reload it with SIGHUP', { file: this.file, err });
    }
  }

  /** Re-reads the file; resolves with the number of bans. A missing file means no bans. */
  reload(): Promise<number> {
    if (this.#pending) {
      this.#again = true;
      return this.#pending;
    }
    this.#pending = this.#load().finally(() => {
      this.#pending = null;
      if (this.#again) {
        this.#again = false;
        void this.reload();
      }
    });
    return this.#pending;
  }

  close(): void {
    this.#watcher?.close();
    this.#watcher = null;
  }

  async #load(): Promise<number> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.logger.warn('cannot read the ban file; keeping the previous bans', { file: this.file, err });
        return this.#bans.size;
      }
      text = '';
    }
    const { entries, invalidLines } = parseBanFile(text, this.hashIp);
    if (invalidLines.length > 0) this.logger.warn('ban file: unreadable lines ignored', { invalidLines });
    this.#bans = new Map(entries.map((e) => [e.ipHash, e.until]));
    this.logger.info('ban list loaded', { bans: this.#bans.size });
    this.onReload();
    return this.#bans.size;
  }
}
