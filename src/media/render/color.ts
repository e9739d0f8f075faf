/**
 * Colour modes and their SGR codes. A cell colour is stored as a mode-specific integer "key":
 * truecolor → 0xRRGGBB, 256 → the xterm palette index, mono → unused. -1 means the terminal's
 * default colour (letterbox bars, text on the default background).
 */

export type ColorMode = 'truecolor' | '256' | 'mono';
export const DEFAULT_COLOR = -1;

/** The six levels of each axis of the xterm 6×6×6 colour cube (indices 16–231). */
export const CUBE_LEVELS = [0, 95, 135, 175, 215, 255] as const;

/** Nearest cube level index (0–5) for each channel value 0–255. */
const CUBE_INDEX = new Uint8Array(256);
/** Nearest grayscale-ramp step (0–23, value 8 + 10·i, indices 232–255) for each gray value. */
const GRAY_INDEX = new Uint8Array(256);
for (let v = 0; v < 256; v++) {
  let best = 0;
  for (let i = 1; i < CUBE_LEVELS.length; i++) {
    if (Math.abs(CUBE_LEVELS[i]! - v) < Math.abs(CUBE_LEVELS[best]! - v)) best = i;
  }
  CUBE_INDEX[v] = best;
  GRAY_INDEX[v] = Math.max(0, Math.min(23, Math.round((v - 8) / 10)));
}

const sq = (x: number): number => x * x;

/** The nearest xterm-256 colour (cube or grayscale ramp; the 16 themable colours are never used). */
export function rgbTo256(r: number, g: number, b: number): number {
  const ri = CUBE_INDEX[r]!;
  const gi = CUBE_INDEX[g]!;
  const bi = CUBE_INDEX[b]!;
  const cubeDist = sq(CUBE_LEVELS[ri]! - r) + sq(CUBE_LEVELS[gi]! - g) + sq(CUBE_LEVELS[bi]! - b);
  const gs = GRAY_INDEX[Math.round((r + g + b) / 3)]!;
  const gv = 8 + 10 * gs;
  const grayDist = sq(gv - r) + sq(gv - g) + sq(gv - b);
  return grayDist < cubeDist ? 232 + gs : 16 + 36 * ri + 6 * gi + bi;
}

/** The RGB value of an xterm-256 index ≥ 16 (for tests and the bench). */
export function xterm256ToRgb(index: number): [number, number, number] {
  if (index >= 232) {
    const v = 8 + 10 * (index - 232);
    return [v, v, v];
  }
  const i = index - 16;
  return [CUBE_LEVELS[Math.floor(i / 36)]!, CUBE_LEVELS[Math.floor(i / 6) % 6]!, CUBE_LEVELS[i % 6]!];
}

/** Rec. 601 luma, 0–255. */
export function luma(r: number, g: number, b: number): number {
  return (r * 299 + g * 587 + b * 114) / 1000;
}

/** The colour key of an RGB value in `mode` (mono has no colours: always the default). */
export function colorKey(mode: ColorMode, r: number, g: number, b: number): number {
  if (mode === 'truecolor') return (r << 16) | (g << 8) | b;
  if (mode === '256') return rgbTo256(r, g, b);
  return DEFAULT_COLOR;
}

/** SGR parameters selecting `key` as the foreground (or background) colour. */
export function sgrParams(mode: ColorMode, key: number, background: boolean): string {
  if (key === DEFAULT_COLOR || mode === 'mono') return background ? '49' : '39';
  if (mode === '256') return `${background ? 48 : 38};5;${key}`;
  return `${background ? 48 : 38};2;${(key >> 16) & 255};${(key >> 8) & 255};${key & 255}`;
}

/** True when two truecolor keys differ by at most `threshold` in every channel. */
export function closeEnough(a: number, b: number, threshold: number): boolean {
  if (a === b) return true;
  if (threshold <= 0 || a < 0 || b < 0) return false;
  return (
    Math.abs(((a >> 16) & 255) - ((b >> 16) & 255)) <= threshold &&
    Math.abs(((a >> 8) & 255) - ((b >> 8) & 255)) <= threshold &&
    Math.abs((a & 255) - (b & 255)) <= threshold
  );
}
