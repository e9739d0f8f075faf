/**
 * The half-block renderer of one pane: keeps what it last drew, emits only the changed cells, and
 * redraws everything every `refreshMs` (injected time) so a stray write elsewhere never lingers.
 * Every output is one complete sequence: synchronized output, cursor save, absolute positions,
 * cursor restore — so it can be written between two Ink renders without disturbing Ink's cursor.
 */
import { copyGrid, createGrid, type CellGrid } from './grid.js';
import { encodeCells } from './encode.js';
import type { ColorMode } from './color.js';

export const SYNC_START = '\x1b[?2026h';
export const SYNC_END = '\x1b[?2026l';
/** DECSC / DECRC: save and restore the cursor position and attributes. */
export const CURSOR_SAVE = '\x1b7';
export const CURSOR_RESTORE = '\x1b8';
export const SGR_RESET = '\x1b[0m';

export interface PanePlacement {
  /** Screen row / column of the pane's top-left cell (0-based). */
  top: number;
  left: number;
  cols: number;
  rows: number;
}

export interface HalfBlockRendererOptions extends PanePlacement {
  mode: ColorMode;
  /** Full redraw period in ms (default 2000). */
  refreshMs?: number;
  /** Truecolor per-channel tolerance before a cell counts as changed (default 0 = exact). */
  threshold?: number;
}

export interface RenderStats {
  frames: number;
  fullFrames: number;
  cells: number;
  bytes: number;
}

/** Wraps drawing codes so that Ink's cursor position and attributes come back untouched. */
export function wrapSequence(body: string): string {
  return SYNC_START + CURSOR_SAVE + SGR_RESET + body + CURSOR_RESTORE + SYNC_END;
}

export class HalfBlockRenderer {
  readonly mode: ColorMode;
  readonly placement: PanePlacement;
  readonly #refreshMs: number;
  readonly #threshold: number;
  /** What the terminal shows, as far as we know; null → the next render is a full one. */
  #screen: CellGrid | null = null;
  #lastFullAt = Number.NEGATIVE_INFINITY;
  readonly stats: RenderStats = { frames: 0, fullFrames: 0, cells: 0, bytes: 0 };

  constructor(opts: HalfBlockRendererOptions) {
    this.mode = opts.mode;
    this.placement = { top: opts.top, left: opts.left, cols: opts.cols, rows: opts.rows };
    this.#refreshMs = opts.refreshMs ?? 2000;
    this.#threshold = opts.threshold ?? 0;
  }

  /** A grid of this pane's size and mode, to rasterize into. */
  createGrid(): CellGrid {
    return createGrid(this.placement.cols, this.placement.rows, this.mode);
  }

  /** The next render redraws every cell (after a resize, a clear, or anything that hit the pane). */
  invalidate(): void {
    this.#screen = null;
  }

  /** Escape codes that bring the pane to `grid`; '' when nothing changed. */
  render(grid: CellGrid, now: number): string {
    const { cols, rows, top, left } = this.placement;
    if (grid.cols !== cols || grid.rows !== rows || grid.mode !== this.mode) {
      throw new RangeError(`grid ${grid.cols}×${grid.rows} ${grid.mode} does not fit pane ${cols}×${rows}`);
    }
    const full = this.#screen === null || now - this.#lastFullAt >= this.#refreshMs;
    const { text, cells } = encodeCells(grid, full ? null : this.#screen, {
      top,
      left,
      threshold: this.#threshold,
    });
    if (full) {
      this.#screen ??= this.createGrid();
      copyGrid(this.#screen, grid);
      this.#lastFullAt = now;
    }
    if (cells === 0) return '';
    const out = wrapSequence(text);
    this.stats.frames++;
    if (full) this.stats.fullFrames++;
    this.stats.cells += cells;
    this.stats.bytes += Buffer.byteLength(out);
    return out;
  }
}
