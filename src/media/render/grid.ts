/**
 * The cell grid: what a pane shows, one entry per terminal cell, independent of escape codes.
 * A pixel cell is an upper-half block `▀` with two colours (2 pixel rows per cell); a text cell is
 * a codepoint with a foreground and a background. Rasterizing fits a frame into a rectangle of
 * cells keeping its aspect ratio (a half cell is about square), letterboxed with the default colour.
 */
import { colorKey, luma, type ColorMode, DEFAULT_COLOR } from './color.js';
import type { RgbFrame } from './frame.js';

export interface CellGrid {
  readonly cols: number;
  readonly rows: number;
  readonly mode: ColorMode;
  /** Codepoint of a text cell; 0 for a pixel cell. */
  readonly glyph: Uint32Array;
  /** Pixel cell: colour key of the upper pixel. Text cell: foreground. */
  readonly top: Int32Array;
  /** Pixel cell: colour key of the lower pixel. Text cell: background. */
  readonly bottom: Int32Array;
}

/** A rectangle of cells. */
export interface CellRect {
  col: number;
  row: number;
  cols: number;
  rows: number;
}

/** Where a frame lands inside a `cols × 2·rows` pixel box: offset and size, in half-cell pixels. */
export interface FitBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Monochrome ramp, darkest to brightest (NO_COLOR): no colour codes at all. */
export const MONO_RAMP = [' ', '░', '▒', '▓', '█'] as const;
const MONO_CODES = MONO_RAMP.map((c) => c.codePointAt(0)!);

export function createGrid(cols: number, rows: number, mode: ColorMode): CellGrid {
  const n = Math.max(0, cols * rows);
  return {
    cols,
    rows,
    mode,
    glyph: new Uint32Array(n),
    top: new Int32Array(n).fill(DEFAULT_COLOR),
    bottom: new Int32Array(n).fill(DEFAULT_COLOR),
  };
}

/** Blanks a rectangle (default colours). */
export function fillRect(grid: CellGrid, rect: CellRect): void {
  const { c0, r0, c1, r1 } = clip(grid, rect);
  for (let r = r0; r < r1; r++) {
    const base = r * grid.cols;
    grid.glyph.fill(0, base + c0, base + c1);
    grid.top.fill(DEFAULT_COLOR, base + c0, base + c1);
    grid.bottom.fill(DEFAULT_COLOR, base + c0, base + c1);
  }
}

/** Centres a `fw × fh` frame in a `cols × 2·rows` box of square pixels (integer, ≥ 1 pixel). */
export function fitFrame(fw: number, fh: number, cols: number, rows: number): FitBox {
  const boxW = Math.max(0, cols);
  const boxH = Math.max(0, rows * 2);
  if (fw <= 0 || fh <= 0 || boxW === 0 || boxH === 0) return { x: 0, y: 0, width: 0, height: 0 };
  const scale = Math.min(boxW / fw, boxH / fh);
  const width = Math.max(1, Math.min(boxW, Math.round(fw * scale)));
  const height = Math.max(1, Math.min(boxH, Math.round(fh * scale)));
  // Keep the picture on whole cells vertically when the letterbox allows it (no half-empty rows).
  const y = 2 * Math.floor((boxH - height) / 4);
  return { x: Math.floor((boxW - width) / 2), y, width, height };
}

/**
 * Draws `frame` into `rect` of `grid`: fitted, letterboxed, nearest-neighbour sampled, colours
 * converted to the grid's mode. Returns the fit (in pixels relative to the rectangle).
 */
export function rasterize(grid: CellGrid, frame: RgbFrame, rect: CellRect): FitBox {
  fillRect(grid, rect);
  const { c0, r0, c1, r1 } = clip(grid, rect);
  const fit = fitFrame(frame.width, frame.height, rect.cols, rect.rows);
  if (fit.width === 0) return fit;
  const { width: fw, height: fh, data } = frame;
  // Source column (in bytes) for each pane column, or -1 in the letterbox; same for pixel rows.
  const xmap = new Int32Array(rect.cols).fill(-1);
  for (let x = 0; x < fit.width; x++) {
    xmap[fit.x + x] = Math.min(fw - 1, Math.floor(((x + 0.5) * fw) / fit.width)) * 3;
  }
  const ymap = new Int32Array(rect.rows * 2).fill(-1);
  for (let y = 0; y < fit.height; y++) {
    ymap[fit.y + y] = Math.min(fh - 1, Math.floor(((y + 0.5) * fh) / fit.height)) * fw * 3;
  }
  const mode = grid.mode;
  for (let r = r0; r < r1; r++) {
    const ty = ymap[(r - rect.row) * 2]!;
    const by = ymap[(r - rect.row) * 2 + 1]!;
    if (ty < 0 && by < 0) continue;
    const base = r * grid.cols;
    for (let c = c0; c < c1; c++) {
      const sx = xmap[c - rect.col]!;
      if (sx < 0) continue;
      const i = base + c;
      if (mode === 'mono') {
        const lt = ty < 0 ? 0 : luma(data[ty + sx]!, data[ty + sx + 1]!, data[ty + sx + 2]!);
        const lb = by < 0 ? 0 : luma(data[by + sx]!, data[by + sx + 1]!, data[by + sx + 2]!);
        const level = Math.min(4, Math.floor(((lt + lb) / 2 / 256) * 5));
        grid.glyph[i] = level === 0 ? 0 : MONO_CODES[level]!;
        continue;
      }
      if (ty >= 0) grid.top[i] = colorKey(mode, data[ty + sx]!, data[ty + sx + 1]!, data[ty + sx + 2]!);
      if (by >= 0) grid.bottom[i] = colorKey(mode, data[by + sx]!, data[by + sx + 1]!, data[by + sx + 2]!);
    }
  }
  return fit;
}

/**
 * Writes `text` (narrow characters only) at a cell position; `fg`/`bg` are colour keys of the
 * grid's mode (ignored in mono). Clipped to the grid.
 */
export function drawText(
  grid: CellGrid,
  row: number,
  col: number,
  text: string,
  fg = DEFAULT_COLOR,
  bg = DEFAULT_COLOR,
): void {
  if (row < 0 || row >= grid.rows) return;
  let c = col;
  for (const ch of text) {
    if (c >= grid.cols) break;
    if (c >= 0) {
      const i = row * grid.cols + c;
      grid.glyph[i] = ch.codePointAt(0) ?? 0x20;
      grid.top[i] = grid.mode === 'mono' ? DEFAULT_COLOR : fg;
      grid.bottom[i] = grid.mode === 'mono' ? DEFAULT_COLOR : bg;
    }
    c++;
  }
}

/** Writes ` text ` centred in the grid, white on black (plain in mono). */
export function drawCenteredText(grid: CellGrid, text: string): void {
  const label = ` ${text.length > grid.cols - 2 ? text.slice(0, Math.max(0, grid.cols - 2)) : text} `;
  const col = Math.max(0, Math.floor((grid.cols - label.length) / 2));
  const fg = colorKey(grid.mode, 255, 255, 255);
  const bg = colorKey(grid.mode, 0, 0, 0);
  drawText(grid, Math.floor((grid.rows - 1) / 2), col, label, fg, bg);
}

/** Copies every cell of `src` into `dst` (same size and mode). */
export function copyGrid(dst: CellGrid, src: CellGrid): void {
  dst.glyph.set(src.glyph);
  dst.top.set(src.top);
  dst.bottom.set(src.bottom);
}

function clip(grid: CellGrid, rect: CellRect): { c0: number; r0: number; c1: number; r1: number } {
  return {
    c0: Math.max(0, rect.col),
    r0: Math.max(0, rect.row),
    c1: Math.min(grid.cols, rect.col + rect.cols),
    r1: Math.min(grid.rows, rect.row + rect.rows),
  };
}
