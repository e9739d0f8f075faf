/**
 * Where the video pane goes. Pure: terminal size in, rectangles out.
 *
 * The pane takes the top rows of the screen, full width; Ink draws status, chat log and input in
 * the rows below, confined there by a scroll region (DECSTBM). Ink redraws by moving the cursor up
 * from where it left it and erasing whole lines (`ESC[2K`): inside a scroll region the cursor cannot
 * move above the region's top margin, so Ink can never reach the pane, even when it miscounts after
 * a resize, and a newline at the bottom scrolls only Ink's rows. (A pane beside Ink would be erased
 * by every Ink render; a pane below would leave the input line in mid-screen.)
 */
import type { CellRect } from '../../media/render/grid.js';

export interface VideoLayout {
  /** Rows the pane takes at the top of the screen; 0 = the terminal is too small for video. */
  paneRows: number;
  paneCols: number;
  /** The self-view's cells inside the pane (bottom-right corner), or null. */
  self: CellRect | null;
}

/** Rows Ink needs at least: status, 3 log rows, typing, input, hint, and the row its cursor rests on. */
export const MIN_INK_ROWS = 8;
export const MIN_PANE_ROWS = 4;
export const MIN_PANE_COLS = 16;
/** Share of the screen the pane may take at most. */
export const MAX_PANE_SHARE = 0.6;

export function computeVideoLayout(cols: number, rows: number, selfView: boolean): VideoLayout {
  const avail = rows - MIN_INK_ROWS;
  // A 4:3 picture across the full width needs cols·3/8 rows (2 pixel rows per cell).
  const paneRows = Math.min(avail, Math.floor(rows * MAX_PANE_SHARE), Math.ceil((cols * 3) / 8));
  if (paneRows < MIN_PANE_ROWS || cols < MIN_PANE_COLS) return { paneRows: 0, paneCols: 0, self: null };
  return { paneRows, paneCols: cols, self: selfView ? selfRect(cols, paneRows) : null };
}

/** About a fifth of the pane's width, 4:3, in the bottom-right corner with a one-column margin. */
function selfRect(cols: number, paneRows: number): CellRect | null {
  const selfCols = Math.max(8, Math.round(cols / 5));
  const selfRows = Math.max(2, Math.round((selfCols * 3) / 8));
  if (selfRows >= paneRows || selfCols + 2 >= cols) return null;
  return { col: cols - selfCols - 1, row: paneRows - selfRows, cols: selfCols, rows: selfRows };
}

/** Confines scrolling (and Ink's cursor moves) to rows `top..bottom` (1-based), cursor kept. */
export function setScrollRegion(top: number, bottom: number): string {
  return `\x1b7\x1b[${top};${bottom}r\x1b8`;
}

/** Back to a full-screen scroll region, cursor kept. */
export const RESET_SCROLL_REGION = '\x1b7\x1b[r\x1b8';
