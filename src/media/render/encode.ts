/**
 * Cell grid → escape codes. Draws only the cells that differ from what is on screen, moving the
 * cursor with absolute (CUP) or forward (CUF) moves and changing the SGR colours only when they
 * change; adjacent changed cells form runs with no cursor move at all. Pure: no I/O, no clock.
 */
import { closeEnough, DEFAULT_COLOR, sgrParams } from './color.js';
import type { CellGrid } from './grid.js';

export interface EncodeOptions {
  /** Screen row of the pane's first row (0-based). */
  top: number;
  /** Screen column of the pane's first column (0-based). */
  left: number;
  /**
   * Truecolor only: a pixel cell whose colours moved by at most this much per channel since it was
   * drawn is left alone (camera noise). 0 = exact.
   */
  threshold?: number;
}

export interface EncodeResult {
  /** Escape codes and glyphs, without the synchronized-output/cursor-save wrapper. */
  text: string;
  /** Cells written. */
  cells: number;
}

const UPPER = '▀';
const LOWER = '▄';
const FULL = '█';
/** "This colour does not matter for the chosen glyph." */
const ANY = -2;

/**
 * Encodes the cells of `next` that differ from `screen` (every cell when `screen` is null), and
 * updates `screen` to what the terminal shows afterwards. The SGR state is assumed reset (default
 * colours) at the start; the caller wraps the text in save/restore so the state never leaks.
 */
export function encodeCells(next: CellGrid, screen: CellGrid | null, opts: EncodeOptions): EncodeResult {
  const { cols, rows, mode, glyph, top, bottom } = next;
  const threshold = mode === 'truecolor' ? (opts.threshold ?? 0) : 0;
  let text = '';
  let cells = 0;
  let fg = DEFAULT_COLOR;
  let bg = DEFAULT_COLOR;
  let cx = -1;
  let cy = -1;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const i = y * cols + x;
      const g = glyph[i]!;
      const t = top[i]!;
      const b = bottom[i]!;
      if (screen !== null && screen.glyph[i] === g) {
        const pt = screen.top[i]!;
        const pb = screen.bottom[i]!;
        if (pt === t && pb === b) continue;
        if (g === 0 && threshold > 0 && closeEnough(t, pt, threshold) && closeEnough(b, pb, threshold))
          continue;
      }
      // Move the cursor (none inside a run of changed cells).
      if (cy !== y || cx > x) text += `\x1b[${opts.top + y + 1};${opts.left + x + 1}H`;
      else if (cx < x) text += x - cx === 1 ? '\x1b[C' : `\x1b[${x - cx}C`;
      cx = x + 1;
      cy = y;
      cells++;
      if (screen !== null) {
        screen.glyph[i] = g;
        screen.top[i] = t;
        screen.bottom[i] = b;
      }
      if (mode === 'mono') {
        text += g === 0 ? ' ' : String.fromCodePoint(g);
        continue;
      }
      // Choose the glyph that needs the fewest colour changes.
      let ch: string;
      let wantFg = ANY;
      let wantBg = ANY;
      if (g !== 0) {
        ch = String.fromCodePoint(g);
        wantFg = t;
        wantBg = b;
      } else if (t === b) {
        if (t !== DEFAULT_COLOR && bg !== t && fg === t) ch = FULL;
        else {
          ch = ' ';
          if (bg !== t) wantBg = t;
        }
      } else if (t === DEFAULT_COLOR) {
        ch = LOWER;
        wantFg = b;
        wantBg = DEFAULT_COLOR;
      } else if (b === DEFAULT_COLOR) {
        ch = UPPER;
        wantFg = t;
        wantBg = DEFAULT_COLOR;
      } else {
        const costUpper = (fg !== t ? 1 : 0) + (bg !== b ? 1 : 0);
        const costLower = (fg !== b ? 1 : 0) + (bg !== t ? 1 : 0);
        const lower = costLower < costUpper;
        ch = lower ? LOWER : UPPER;
        wantFg = lower ? b : t;
        wantBg = lower ? t : b;
      }
      const setFg = wantFg !== ANY && wantFg !== fg;
      const setBg = wantBg !== ANY && wantBg !== bg;
      if (setFg && setBg) {
        text += `\x1b[${sgrParams(mode, wantFg, false)};${sgrParams(mode, wantBg, true)}m`;
      } else if (setFg) text += `\x1b[${sgrParams(mode, wantFg, false)}m`;
      else if (setBg) text += `\x1b[${sgrParams(mode, wantBg, true)}m`;
      if (setFg) fg = wantFg;
      if (setBg) bg = wantBg;
      text += ch;
    }
  }
  return { text, cells };
}
