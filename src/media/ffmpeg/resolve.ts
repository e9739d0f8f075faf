/**
 * Finding ffmpeg. Order (first that works wins):
 *   1. `--ffmpeg PATH` (flag)   2. `RANDCHAT_FFMPEG` (env)   3. the `ffmpeg-static` package
 *   4. the `@ffmpeg-installer/ffmpeg` package   5. `ffmpeg` on PATH.
 * Every candidate is verified: the file exists, is executable, `ffmpeg -version` runs and
 * prints a version.
 *
 * Decision: an explicit choice that does not work (a flag or env path that is missing, not
 * executable or not an ffmpeg) stops the search with an error naming it. The user asked for that
 * binary; silently using another one would hide their mistake. The packages and PATH are
 * fallbacks: a failure there is recorded in `tried` and the search goes on.
 */
import { execFile } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { capabilitiesFrom, parseFfmpegVersion, type FfmpegCapabilities } from './capabilities.js';

export type FfmpegSource = 'flag' | 'env' | 'ffmpeg-static' | '@ffmpeg-installer' | 'path';

export interface FfmpegAttempt {
  source: FfmpegSource;
  /** The candidate path, when the source produced one. */
  path?: string;
  ok: boolean;
  /** What happened: "not set", "package not installed", "not executable: …", "version 5.1.9". */
  detail: string;
}

export type FfmpegResolution =
  | {
      ok: true;
      path: string;
      source: FfmpegSource;
      version: string;
      /** Every candidate looked at, in order, ending with the one chosen. */
      tried: FfmpegAttempt[];
      /** Present when resolveFfmpeg was called with `probe: true`. */
      capabilities?: FfmpegCapabilities;
    }
  | { ok: false; tried: FfmpegAttempt[]; message: string };

export interface ResolveOptions {
  /** `--ffmpeg PATH`. */
  flag?: string | undefined;
  /** Environment (RANDCHAT_FFMPEG, PATH, PATHEXT); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Looks a command up on PATH; default: a search of `env.PATH`. */
  which?: (name: string, env: NodeJS.ProcessEnv) => Promise<string | undefined>;
  /** Loads an optional package (test seam); default dynamic import(). */
  importOptional?: (name: string) => Promise<unknown>;
  /** Also run {@link probeFfmpeg} on the chosen binary. */
  probe?: boolean;
  /** Platform (install hints, PATHEXT); default process.platform. */
  platform?: NodeJS.Platform;
}

const VERSION_TIMEOUT_MS = 10_000;

export async function resolveFfmpeg(opts: ResolveOptions = {}): Promise<FfmpegResolution> {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const which = opts.which ?? ((name: string, e: NodeJS.ProcessEnv) => whichOnPath(name, e, platform));
  const importOptional = opts.importOptional ?? ((name: string) => import(name) as Promise<unknown>);
  const tried: FfmpegAttempt[] = [];

  const explicit: [FfmpegSource, string | undefined, string][] = [
    ['flag', opts.flag, '--ffmpeg'],
    ['env', env.RANDCHAT_FFMPEG, 'RANDCHAT_FFMPEG'],
  ];
  for (const [source, candidate, name] of explicit) {
    if (candidate === undefined || candidate === '') {
      tried.push({ source, ok: false, detail: 'not set' });
      continue;
    }
    const v = await verify(candidate);
    tried.push({ source, path: candidate, ok: v.ok, detail: v.detail });
    if (v.ok) return success(candidate, source, v.version, tried, opts.probe);
    return {
      ok: false,
      tried,
      message: `${name} ${candidate}: ${v.detail}. Fix or remove ${name} (randchat does not fall back to another ffmpeg when you name one).`,
    };
  }

  const packages: [FfmpegSource, string, (mod: unknown) => string | undefined][] = [
    ['ffmpeg-static', 'ffmpeg-static', (mod) => stringOrUndefined(defaultOf(mod))],
    [
      '@ffmpeg-installer',
      '@ffmpeg-installer/ffmpeg',
      (mod) => {
        const d = defaultOf(mod);
        return d && typeof d === 'object' ? stringOrUndefined((d as { path?: unknown }).path) : undefined;
      },
    ],
  ];
  for (const [source, pkg, pick] of packages) {
    let candidate: string | undefined;
    try {
      candidate = pick(await importOptional(pkg));
    } catch (err) {
      tried.push({ source, ok: false, detail: describeImportError(err) });
      continue;
    }
    if (!candidate) {
      tried.push({ source, ok: false, detail: 'package has no binary for this platform' });
      continue;
    }
    const v = await verify(candidate);
    tried.push({ source, path: candidate, ok: v.ok, detail: v.detail });
    if (v.ok) return success(candidate, source, v.version, tried, opts.probe);
  }

  const onPath = await which('ffmpeg', env);
  if (!onPath) {
    tried.push({ source: 'path', ok: false, detail: 'no ffmpeg on PATH' });
  } else {
    const v = await verify(onPath);
    tried.push({ source: 'path', path: onPath, ok: v.ok, detail: v.detail });
    if (v.ok) return success(onPath, 'path', v.version, tried, opts.probe);
  }
  return { ok: false, tried, message: notFoundMessage(platform) };
}

/** How to get ffmpeg, per platform. */
export function notFoundMessage(platform: NodeJS.Platform): string {
  const how =
    platform === 'darwin'
      ? 'brew install ffmpeg'
      : platform === 'win32'
        ? 'winget install ffmpeg (or: choco install ffmpeg)'
        : 'sudo apt install ffmpeg (Debian/Ubuntu), sudo dnf install ffmpeg (Fedora), sudo pacman -S ffmpeg (Arch)';
  return `ffmpeg not found; video and audio are off (text chat works). Install it: ${how}; or point randchat at one with --ffmpeg PATH or RANDCHAT_FFMPEG=PATH.`;
}

async function success(
  p: string,
  source: FfmpegSource,
  version: string,
  tried: FfmpegAttempt[],
  probe: boolean | undefined,
): Promise<FfmpegResolution> {
  const result: FfmpegResolution = { ok: true, path: p, source, version, tried };
  if (probe) {
    // A build that runs `-version` but fails a listing still counts as found; capabilities stay unknown.
    const caps = await probeFfmpeg(p).catch(() => undefined);
    if (caps) result.capabilities = caps;
  }
  return result;
}

type Verified = { ok: true; version: string; detail: string } | { ok: false; detail: string };

/** Exists, is a file, is executable, `-version` runs and names a version. */
export async function verify(candidate: string): Promise<Verified> {
  try {
    const st = await stat(candidate);
    if (!st.isFile()) return { ok: false, detail: 'not a file' };
  } catch (err) {
    return {
      ok: false,
      detail: errCode(err) === 'ENOENT' ? 'does not exist' : `cannot stat (${errCode(err)})`,
    };
  }
  if (process.platform !== 'win32') {
    try {
      await access(candidate, fsConstants.X_OK);
    } catch {
      return { ok: false, detail: 'not executable (chmod +x?)' };
    }
  }
  let out: string;
  try {
    out = await run(candidate, ['-hide_banner', '-version']);
  } catch (err) {
    return { ok: false, detail: `\`-version\` failed: ${err instanceof Error ? err.message : String(err)}` };
  }
  const version = parseFfmpegVersion(out);
  if (!version) return { ok: false, detail: '`-version` printed no ffmpeg version (not an ffmpeg?)' };
  return { ok: true, version, detail: `version ${version}` };
}

const probeCache = new Map<string, Promise<FfmpegCapabilities>>();

/** Encoders, decoders and devices of an ffmpeg binary; cached per path for the process lifetime. */
export function probeFfmpeg(ffmpegPath: string): Promise<FfmpegCapabilities> {
  let cached = probeCache.get(ffmpegPath);
  if (!cached) {
    cached = (async () => {
      const [encoders, decoders, devices, helpLong, sdpHelp] = await Promise.all([
        run(ffmpegPath, ['-hide_banner', '-encoders']),
        run(ffmpegPath, ['-hide_banner', '-decoders']),
        run(ffmpegPath, ['-hide_banner', '-devices']),
        run(ffmpegPath, ['-hide_banner', '-h', 'long']).catch(() => ''),
        run(ffmpegPath, ['-hide_banner', '-h', 'demuxer=sdp']).catch(() => ''),
      ]);
      return capabilitiesFrom({ encoders, decoders, devices, helpLong, sdpHelp });
    })();
    cached.catch(() => probeCache.delete(ffmpegPath));
    probeCache.set(ffmpegPath, cached);
  }
  return cached;
}

/** Searches `env.PATH` for an executable `name` (with PATHEXT on Windows). */
export async function whichOnPath(
  name: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): Promise<string | undefined> {
  const dirs = (env.PATH ?? env.Path ?? '').split(platform === 'win32' ? ';' : ':').filter(Boolean);
  const exts =
    platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';').filter(Boolean) : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      try {
        const st = await stat(candidate);
        if (!st.isFile()) continue;
        if (platform !== 'win32') await access(candidate, fsConstants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** Runs a binary with arguments (no shell); resolves with stdout + stderr. */
function run(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      args,
      { timeout: VERSION_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, windowsHide: true, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) reject(new Error(firstLine(stderr) || err.message));
        else resolve(stdout + stderr);
      },
    );
  });
}

function defaultOf(mod: unknown): unknown {
  return mod && typeof mod === 'object' && 'default' in mod ? (mod as { default: unknown }).default : mod;
}

function stringOrUndefined(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function describeImportError(err: unknown): string {
  const code = errCode(err);
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return 'package not installed';
  // @ffmpeg-installer throws plain strings ("Could not find ffmpeg executable…").
  return `package failed to load: ${err instanceof Error ? err.message : String(err)}`;
}

function errCode(err: unknown): string | undefined {
  return err && typeof err === 'object' && 'code' in err
    ? String((err as { code: unknown }).code)
    : undefined;
}

function firstLine(s: string): string {
  return s.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
}
