/**
 * Media test helpers: find ffmpeg (skip loudly without it; fail under RANDCHAT_TEST_STRICT=1),
 * sessions with media on the real server, and a frame recorder that decodes the test pattern.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { MediaOptions } from '../../src/media/pipeline/media-types.js';
import { readStamp, stampAgeMs, type PatternStamp } from '../../src/media/pipeline/test-pattern.js';
import type { RgbFrame } from '../../src/media/render/frame.js';
import type { Session } from '../../src/peer/session.js';

/** The ffmpeg the media tests use: RANDCHAT_FFMPEG, else `ffmpeg` on PATH, else null. */
export function testFfmpeg(): string | null {
  const candidates = [process.env.RANDCHAT_FFMPEG, '/usr/bin/ffmpeg', 'ffmpeg'].filter(
    (c): c is string => !!c,
  );
  for (const c of candidates) {
    if (c.includes('/') && !existsSync(c)) continue;
    try {
      execFileSync(c, ['-hide_banner', '-version'], { stdio: 'ignore', timeout: 10_000 });
      return c;
    } catch {
      // next
    }
  }
  return null;
}

export function requireFfmpegOrSkip(what: string): string | null {
  const ff = testFfmpeg();
  if (ff) return ff;
  const msg = `ffmpeg is not installed: SKIPPING ${what} (install ffmpeg to run them)`;
  if (process.env.RANDCHAT_TEST_STRICT === '1')
    throw new Error(`${msg}; RANDCHAT_TEST_STRICT=1 makes this a failure`);
  console.warn(`\n!!! ${msg} !!!\n`);
  return null;
}

/** Test video + tone, nothing played, small decode size. */
export function testMedia(ffmpeg: string, extra: Partial<MediaOptions> = {}): MediaOptions {
  return {
    video: { kind: 'test' },
    audio: { kind: 'tone', frequency: 1000 },
    ffmpegPath: ffmpeg,
    audioOut: false,
    receiveSize: { width: 320, height: 240 },
    ...extra,
  };
}

export interface SeenFrame {
  at: number;
  width: number;
  height: number;
  stamp: PatternStamp | null;
  latencyMs: number | null;
}

/** Records the stranger's frames (decoded stamps, not pixels) and waits for conditions on them. */
export class FrameLog {
  readonly frames: SeenFrame[] = [];
  readonly #waiters = new Set<() => void>();
  readonly #off: () => void;

  constructor(session: Session) {
    this.#off = session.on('remote-frame', (f: RgbFrame) => {
      const stamp = readStamp(f);
      this.frames.push({
        at: Date.now(),
        width: f.width,
        height: f.height,
        stamp,
        latencyMs: stamp ? stampAgeMs(stamp, Date.now()) : null,
      });
      for (const w of [...this.#waiters]) w();
    });
  }

  mark(): number {
    return this.frames.length;
  }

  /** Resolves with the first frame from index `from` on that matches. */
  waitFor(
    pred: (f: SeenFrame) => boolean,
    opts: { from?: number; timeoutMs?: number; what?: string } = {},
  ): Promise<SeenFrame> {
    const from = opts.from ?? 0;
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const f = this.frames.slice(from).find(pred);
        if (!f) return false;
        this.#waiters.delete(check);
        clearTimeout(timer);
        resolve(f);
        return true;
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(
          new Error(
            `timed out waiting for a frame: ${opts.what ?? 'predicate'} (${this.frames.length - from} frames seen)`,
          ),
        );
      }, opts.timeoutMs ?? 15_000);
      if (!check()) this.#waiters.add(check);
    });
  }

  /** Waits for `n` frames with a readable stamp from `from` on; returns them. */
  async stamped(n: number, from = 0, timeoutMs = 15_000): Promise<SeenFrame[]> {
    await this.waitFor(() => this.frames.slice(from).filter((f) => f.stamp).length >= n, {
      from,
      timeoutMs,
      what: `${n} stamped frames`,
    });
    return this.frames.slice(from).filter((f) => f.stamp);
  }

  dispose(): void {
    this.#off();
  }
}
