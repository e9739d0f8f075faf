/**
 * Tests that need an external binary (ffmpeg, tmux…): `requireBinary(name, found)` returns true
 * when the tests must be skipped (use with `describe.skipIf` / `it.skipIf`) and prints a loud
 * warning; under `RANDCHAT_TEST_STRICT=1` (CI) a missing binary throws instead, so CI never
 * passes by skipping.
 */
import { readFileSync } from 'node:fs';
import { resolveFfmpeg } from '../../src/media/ffmpeg/resolve.js';

export const STRICT = process.env.RANDCHAT_TEST_STRICT === '1';

export function requireBinary(name: string, found: boolean, hint = ''): boolean {
  if (found) return false;
  const msg = `${name} not found: skipping the tests that need it${hint ? ` (${hint})` : ''}`;
  if (STRICT) throw new Error(`${msg}; RANDCHAT_TEST_STRICT=1 makes this a failure`);
  console.warn(`\n!!!!!!!!!!\n!!! ${msg}\n!!!!!!!!!!\n`);
  return true;
}

/** The ffmpeg randchat itself would use (resolver order), or undefined. */
export async function findFfmpeg(): Promise<string | undefined> {
  const r = await resolveFfmpeg();
  return r.ok ? r.path : undefined;
}

/**
 * Every distinct ffmpeg build on this machine that tests should cover: the resolver's choice,
 * the npm-shipped one and the one on PATH (deduplicated by version).
 */
export async function allFfmpegBuilds(): Promise<{ path: string; version: string }[]> {
  const seen = new Map<string, { path: string; version: string }>();
  const env = { ...process.env };
  delete env.RANDCHAT_FFMPEG;
  const candidates = [
    await resolveFfmpeg(),
    await resolveFfmpeg({ env, importOptional: () => Promise.reject(new Error('skipped')) }),
  ];
  for (const r of candidates)
    if (r.ok && !seen.has(r.version)) seen.set(r.version, { path: r.path, version: r.version });
  return [...seen.values()];
}

/** True once `pid` no longer runs. On Linux a zombie (exited, not yet reaped) counts as gone. */
export function processGone(pid: number): boolean {
  if (process.platform === 'linux') {
    try {
      const stat = readProcStat(pid);
      return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
    } catch {
      return true;
    }
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

function readProcStat(pid: number): string {
  return readFileSync(`/proc/${pid}/stat`, 'utf8');
}

/** Polls `cond` until it holds or `timeoutMs` passes (then throws `what`). */
export async function pollUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
