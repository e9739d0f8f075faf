/**
 * Watches the stranger's decoded frames: frame rate, freezes (no new frame), black pictures,
 * frozen pictures (frames arrive, the picture does not change), and the test-pattern stamp
 * (counter, latency). Pure: time is a parameter, results are returned.
 */
import type { RgbFrame } from '../render/frame.js';
import { readStamp, stampAgeMs } from './test-pattern.js';

export type MonitorEvent =
  | { name: 'freeze'; data: { ms: number; ended: boolean } }
  | { name: 'black-frame'; data: { black: boolean } }
  | { name: 'frozen-picture'; data: { frozen: boolean } };

export interface MonitorOptions {
  freezeMs: number;
  /** Unchanged picture for this long is "frozen" (default 2000 ms). */
  frozenPictureMs?: number;
}

/** Mean luma and a coarse fingerprint of a frame, from an 16 × 12 grid of samples. */
export function frameSignature(f: RgbFrame): { luma: number; hash: number } {
  let sum = 0;
  let hash = 2166136261;
  const n = 16 * 12;
  for (let gy = 0; gy < 12; gy++) {
    const y = Math.floor(((gy + 0.5) * f.height) / 12);
    for (let gx = 0; gx < 16; gx++) {
      const x = Math.floor(((gx + 0.5) * f.width) / 16);
      const o = (y * f.width + x) * 3;
      const l = (77 * (f.data[o] ?? 0) + 150 * (f.data[o + 1] ?? 0) + 29 * (f.data[o + 2] ?? 0)) >> 8;
      sum += l;
      // Quantised so encoder noise does not count as change.
      hash = Math.imul(hash ^ (l >> 3), 16777619) >>> 0;
    }
  }
  return { luma: sum / n, hash };
}

export class FrameMonitor {
  readonly #o: Required<MonitorOptions>;
  #lastFrameAt: number | null = null;
  #freezeStart: number | null = null;
  #black = false;
  #frozen = false;
  #hash = 0;
  #hashSince = 0;
  #periodFrames = 0;
  #periodStart: number | null = null;
  framesDecoded = 0;
  freezes = 0;
  width = 0;
  height = 0;
  counter: number | null = null;
  latencyMs: number | null = null;

  constructor(opts: MonitorOptions) {
    this.#o = { frozenPictureMs: 2000, ...opts };
  }

  /** One decoded frame at `nowMs` (`wallMs`: Date.now(), for the test-pattern latency). */
  onFrame(f: RgbFrame, nowMs: number, wallMs: number): MonitorEvent[] {
    const events: MonitorEvent[] = [];
    this.framesDecoded++;
    this.#periodFrames++;
    this.#periodStart ??= nowMs;
    this.width = f.width;
    this.height = f.height;
    if (this.#freezeStart !== null) {
      events.push({ name: 'freeze', data: { ms: nowMs - this.#freezeStart, ended: true } });
      this.#freezeStart = null;
    }
    this.#lastFrameAt = nowMs;
    const stamp = readStamp(f);
    if (stamp) {
      this.counter = stamp.counter;
      this.latencyMs = stampAgeMs(stamp, wallMs);
    }
    const sig = frameSignature(f);
    const black = sig.luma < 20;
    if (black !== this.#black) {
      this.#black = black;
      events.push({ name: 'black-frame', data: { black } });
    }
    if (sig.hash !== this.#hash || stamp) {
      this.#hash = sig.hash;
      this.#hashSince = nowMs;
      if (this.#frozen) {
        this.#frozen = false;
        events.push({ name: 'frozen-picture', data: { frozen: false } });
      }
    } else if (!this.#frozen && !black && nowMs - this.#hashSince >= this.#o.frozenPictureMs) {
      this.#frozen = true;
      events.push({ name: 'frozen-picture', data: { frozen: true } });
    }
    return events;
  }

  /** Periodic check; `expecting` = the stranger says their video is on. */
  tick(nowMs: number, expecting: boolean): MonitorEvent[] {
    if (!expecting || this.#lastFrameAt === null || this.#freezeStart !== null) return [];
    const gap = nowMs - this.#lastFrameAt;
    if (gap < this.#o.freezeMs) return [];
    this.#freezeStart = this.#lastFrameAt;
    this.freezes++;
    return [{ name: 'freeze', data: { ms: gap, ended: false } }];
  }

  /** The stranger paused their video: a gap from now on is not a freeze. */
  reset(): void {
    this.#lastFrameAt = null;
    this.#freezeStart = null;
  }

  /** Frames per second since the last call. */
  takeFps(nowMs: number): number {
    const start = this.#periodStart;
    const frames = this.#periodFrames;
    this.#periodStart = nowMs;
    this.#periodFrames = 0;
    if (start === null || nowMs <= start) return 0;
    return Math.round((frames * 10000) / (nowMs - start)) / 10;
  }
}
