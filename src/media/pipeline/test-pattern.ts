/**
 * The machine-readable test pattern (`--video test`). Pure.
 *
 * Every frame carries a strip of big black/white blocks across the top third of the picture:
 * {@link STRIP_COLS} × {@link STRIP_ROWS} blocks = 80 bits, most significant first: a 32-bit frame
 * counter, the low 32 bits of the send time in ms since the epoch, and a CRC-16/CCITT of those 8
 * bytes. The receiver samples the centre of each block at whatever size it decodes to, thresholds
 * the luma and checks the CRC, so it can verify the content (counter increases, no stale frames)
 * and measure source → decoded latency. Below the strip a diagonal gradient scrolls with the
 * counter, so the encoder has real motion to work on.
 *
 * Frames are generated as yuv420p (what the encoder takes; no colour conversion) and read back
 * from rgb24 (what the decoder gives).
 */
import type { RgbFrame } from '../render/frame.js';

export const STRIP_COLS = 16;
export const STRIP_ROWS = 5;
const BITS = STRIP_COLS * STRIP_ROWS;

export interface PatternStamp {
  /** Frame counter (uint32). */
  counter: number;
  /** Send time: `Date.now() mod 2^32` (uint32). */
  timeMs: number;
}

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xffff). */
export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The 80 bits (0/1) of a stamp, most significant first. */
export function stampBits(stamp: PatternStamp): Uint8Array {
  const bytes = Buffer.alloc(10);
  bytes.writeUInt32BE(stamp.counter >>> 0, 0);
  bytes.writeUInt32BE(stamp.timeMs >>> 0, 4);
  bytes.writeUInt16BE(crc16(bytes.subarray(0, 8)), 8);
  const bits = new Uint8Array(BITS);
  for (let i = 0; i < BITS; i++) bits[i] = ((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
  return bits;
}

/** Inverse of {@link stampBits}; null when the CRC does not match. */
export function stampFromBits(bits: ArrayLike<number>): PatternStamp | null {
  const bytes = Buffer.alloc(10);
  for (let i = 0; i < BITS; i++) if (bits[i]) bytes[i >> 3] = (bytes[i >> 3] ?? 0) | (1 << (7 - (i & 7)));
  if (crc16(bytes.subarray(0, 8)) !== bytes.readUInt16BE(8)) return null;
  return { counter: bytes.readUInt32BE(0), timeMs: bytes.readUInt32BE(4) };
}

/** Block `col,row` of the strip in a `width × height` picture: [x0, y0, x1, y1) (integers). */
export function blockRect(
  width: number,
  height: number,
  col: number,
  row: number,
): [number, number, number, number] {
  const stripH = Math.floor(height / 3);
  return [
    Math.floor((col * width) / STRIP_COLS),
    Math.floor((row * stripH) / STRIP_ROWS),
    Math.floor(((col + 1) * width) / STRIP_COLS),
    Math.floor(((row + 1) * stripH) / STRIP_ROWS),
  ];
}

/** Size of a yuv420p frame (width and height even). */
export function yuv420pBytes(width: number, height: number): number {
  return width * height + 2 * (width / 2) * (height / 2);
}

/** Generates yuv420p test frames of one size; each call returns a new buffer. */
export class TestPatternGenerator {
  readonly width: number;
  readonly height: number;
  /** One luma row pattern twice as wide as the picture, per row: scrolled by the counter. */
  readonly #tile: Buffer;

  constructor(width: number, height: number) {
    if (width % 2 || height % 2 || width < STRIP_COLS * 2 || height < STRIP_ROWS * 6)
      throw new RangeError(`test pattern size ${width}x${height} must be even and at least 32x30`);
    this.width = width;
    this.height = height;
    this.#tile = Buffer.alloc(width * 2 * height);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width * 2; x++) this.#tile[y * width * 2 + x] = 40 + ((x + y) % 160);
  }

  frame(stamp: PatternStamp): Buffer {
    const { width: w, height: h } = this;
    const out = Buffer.alloc(yuv420pBytes(w, h));
    const shift = (stamp.counter * 4) % w;
    const stripH = Math.floor(h / 3);
    for (let y = stripH; y < h; y++) this.#tile.copy(out, y * w, y * w * 2 + shift, y * w * 2 + shift + w);
    const bits = stampBits(stamp);
    for (let row = 0; row < STRIP_ROWS; row++) {
      for (let col = 0; col < STRIP_COLS; col++) {
        const [x0, y0, x1, y1] = blockRect(w, h, col, row);
        const v = bits[row * STRIP_COLS + col] ? 235 : 16;
        for (let y = y0; y < y1; y++) out.fill(v, y * w + x0, y * w + x1);
      }
    }
    // Chroma: neutral in the strip, a slow colour wash below it.
    const cw = w / 2;
    const ch = h / 2;
    const u = w * h;
    const v = u + cw * ch;
    out.fill(128, u, u + cw * Math.ceil(stripH / 2));
    out.fill(128, v, v + cw * Math.ceil(stripH / 2));
    const wash = (stamp.counter * 2) % 256;
    out.fill(64 + (wash >> 1), u + cw * Math.ceil(stripH / 2), v);
    out.fill(192 - (wash >> 1), v + cw * Math.ceil(stripH / 2), v + cw * ch);
    return out;
  }
}

/** Average luma (0-255) of the central half of a rectangle of an rgb24 frame. */
function centreLuma(f: RgbFrame, [x0, y0, x1, y1]: [number, number, number, number]): number {
  const mx = (x1 - x0) / 4;
  const my = (y1 - y0) / 4;
  let sum = 0;
  let n = 0;
  for (let yi = 0; yi < 3; yi++) {
    const y = Math.min(f.height - 1, Math.floor(y0 + my + ((y1 - y0 - 2 * my) * yi) / 2));
    for (let xi = 0; xi < 3; xi++) {
      const x = Math.min(f.width - 1, Math.floor(x0 + mx + ((x1 - x0 - 2 * mx) * xi) / 2));
      const o = (y * f.width + x) * 3;
      sum += 0.299 * (f.data[o] ?? 0) + 0.587 * (f.data[o + 1] ?? 0) + 0.114 * (f.data[o + 2] ?? 0);
      n++;
    }
  }
  return sum / n;
}

/** Reads the stamp of a decoded test-pattern frame (any size ≥ 32x30); null if absent or damaged. */
export function readStamp(frame: RgbFrame): PatternStamp | null {
  if (frame.width < STRIP_COLS * 2 || frame.height < STRIP_ROWS * 6) return null;
  if (frame.data.length < frame.width * frame.height * 3) return null;
  const bits = new Uint8Array(BITS);
  for (let row = 0; row < STRIP_ROWS; row++)
    for (let col = 0; col < STRIP_COLS; col++)
      bits[row * STRIP_COLS + col] =
        centreLuma(frame, blockRect(frame.width, frame.height, col, row)) >= 128 ? 1 : 0;
  return stampFromBits(bits);
}

/** ms from a stamp's send time to `nowMs` (both taken from the same wall clock, mod 2^32). */
export function stampAgeMs(stamp: PatternStamp, nowMs: number): number {
  return ((nowMs >>> 0) - stamp.timeMs + 2 ** 32) % 2 ** 32;
}
