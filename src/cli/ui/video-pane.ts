/**
 * The video pane: draws decoded frames into the top rows of the terminal with raw writes, beside
 * Ink, and implements the {@link VideoSink} the media pipeline pushes frames into.
 *
 * Every write is one complete sequence (synchronized output, cursor save, absolute moves, cursor
 * restore), made between two Ink renders, so Ink's cursor never moves. Ink is kept out of the pane
 * by a scroll region (see video-layout.ts) and told how many rows to leave through `reservedRows`
 * (App re-renders on `subscribe`). Frames are dropped, never queued, while the terminal is behind.
 */
import type { PaneSize, RgbFrame, VideoSink } from '../../media/render/frame.js';
import { isValidRgbFrame } from '../../media/render/frame.js';
import {
  drawCenteredText,
  fillRect,
  rasterize,
  type CellGrid,
  type CellRect,
} from '../../media/render/grid.js';
import { encodeKittyFrame, kittyDelete, KITTY_REMOTE_ID, KITTY_SELF_ID } from '../../media/render/kitty.js';
import { colorModeOf, type RenderMode } from '../../media/render/mode.js';
import { HalfBlockRenderer } from '../../media/render/renderer.js';
import { WriteGate, type DrainableStream } from '../../media/render/scheduler.js';
import {
  computeVideoLayout,
  RESET_SCROLL_REGION,
  setScrollRegion,
  type VideoLayout,
} from './video-layout.js';

/** What the pane needs of stdout (a tty.WriteStream in real use, a fake in tests). */
export interface PaneStream extends DrainableStream {
  readonly columns?: number;
  readonly rows?: number;
  prependListener(event: 'resize', listener: () => void): unknown;
  off(event: 'resize', listener: () => void): unknown;
}

export interface VideoPaneOptions {
  stdout: PaneStream;
  mode: RenderMode;
  /** Show the self-view corner (default true; /self toggles it). */
  selfView?: boolean;
  /** Start visible (default true; /video off hides it). */
  visible?: boolean;
  now?: () => number;
  setTimer?: (cb: () => void, ms: number) => () => void;
  /** Full redraw period (default 2000 ms). */
  refreshMs?: number;
  /** Truecolor tolerance per channel before a cell is redrawn (default 6: hides camera noise). */
  threshold?: number;
  /** Frame-rate cap (default 30). */
  maxFps?: number;
  /** Text shown while there is no picture (default "no video"). */
  idleText?: string;
}

export interface VideoPaneStats {
  framesDrawn: number;
  framesSkipped: number;
  bytes: number;
}

export const DEFAULT_THRESHOLD = 6;
/** After a resize, Ink re-renders and the terminal may have reflowed: redraw once more, later. */
const SETTLE_MS = 150;
/** Self-view frames drive drawing only when the stranger's frames stopped coming. */
const REMOTE_IDLE_MS = 200;

export class VideoPane implements VideoSink {
  readonly #out: PaneStream;
  readonly #mode: RenderMode;
  readonly #now: () => number;
  readonly #setTimer: (cb: () => void, ms: number) => () => void;
  readonly #opts: VideoPaneOptions;
  readonly #gate: WriteGate;
  readonly #listeners = new Set<() => void>();
  readonly #resizeCbs = new Set<(size: PaneSize) => void>();
  #layout: VideoLayout = { paneRows: 0, paneCols: 0, self: null };
  #renderer: HalfBlockRenderer | null = null;
  #grid: CellGrid | null = null;
  #remote: RgbFrame | null = null;
  #self: RgbFrame | null = null;
  #paused: string | null = null;
  #selfView: boolean;
  #visible: boolean;
  #closed = false;
  #lastRemoteAt = Number.NEGATIVE_INFINITY;
  #kittyShown = false;
  #cancelSettle: (() => void) | null = null;
  #drawnFrames = 0;

  constructor(opts: VideoPaneOptions) {
    this.#opts = opts;
    this.#out = opts.stdout;
    this.#mode = opts.mode;
    this.#now = opts.now ?? Date.now;
    this.#setTimer =
      opts.setTimer ??
      ((cb, ms) => {
        const t = setTimeout(cb, ms);
        t.unref();
        return () => clearTimeout(t);
      });
    this.#selfView = opts.selfView ?? true;
    this.#visible = opts.visible ?? true;
    this.#gate = new WriteGate(this.#out, {
      now: this.#now,
      // 25 % slack: frames arriving with ordinary timer jitter are not mistaken for a burst.
      minIntervalMs: 750 / (opts.maxFps ?? 30),
      onDrain: () => this.#draw(true),
    });
    this.#out.prependListener('resize', this.#onResize);
    this.#relayout(true);
    // Ink starts drawing where the cursor is: put it at the top of its region.
    if (this.reservedRows > 0) this.#out.write(`\x1b[${this.reservedRows + 1};1H`);
  }

  // --- VideoSink ---------------------------------------------------------------------------

  pushRemote(frame: RgbFrame): void {
    if (this.#closed || !isValidRgbFrame(frame)) return;
    this.#remote = frame;
    this.#lastRemoteAt = this.#now();
    this.#draw(false);
  }

  pushSelf(frame: RgbFrame): void {
    if (this.#closed || !isValidRgbFrame(frame)) return;
    this.#self = frame;
    if (this.#selfView && this.#now() - this.#lastRemoteAt > REMOTE_IDLE_MS) this.#draw(false);
  }

  /** Forgets the stranger's picture and the overlay (the self-view stays). */
  clear(): void {
    this.#remote = null;
    this.#paused = null;
    this.#draw(true);
  }

  setPaused(text: string | null): void {
    if (this.#paused === text) return;
    this.#paused = text;
    this.#draw(true);
  }

  get paneSize(): PaneSize {
    const { paneCols: cols, paneRows: rows } = this.#layout;
    const scale = this.#mode === 'kitty' ? 2 : 1;
    return { cols, rows, pixelWidth: cols * scale, pixelHeight: rows * 2 * scale };
  }

  onResize(cb: (size: PaneSize) => void): () => void {
    this.#resizeCbs.add(cb);
    return () => this.#resizeCbs.delete(cb);
  }

  close(): void {
    if (this.#closed) return;
    this.#remote = null;
    this.#self = null;
    this.#paused = null;
    this.#draw(true);
    this.#closed = true;
    this.#cancelSettle?.();
    this.#out.off('resize', this.#onResize);
    this.#out.write(RESET_SCROLL_REGION);
    this.#resizeCbs.clear();
  }

  // --- UI control (slash commands, App layout) ----------------------------------------------

  /** Rows at the top of the screen Ink must leave alone (0 when the pane is hidden). */
  get reservedRows(): number {
    return this.#visible && !this.#closed ? this.#layout.paneRows : 0;
  }

  get visible(): boolean {
    return this.#visible;
  }

  get selfView(): boolean {
    return this.#selfView;
  }

  get stats(): VideoPaneStats {
    return {
      framesDrawn: this.#drawnFrames,
      framesSkipped: this.#gate.stats.skipped,
      bytes: this.#gate.stats.bytes,
    };
  }

  /** Called when `reservedRows` may have changed (for React's useSyncExternalStore). */
  subscribe = (cb: () => void): (() => void) => {
    this.#listeners.add(cb);
    return () => this.#listeners.delete(cb);
  };

  setVisible(on: boolean): void {
    if (this.#closed || on === this.#visible) return;
    if (!on) this.#draw(true, true);
    this.#visible = on;
    this.#relayout(true);
  }

  toggleSelfView(): boolean {
    this.#selfView = !this.#selfView;
    this.#relayout(false);
    return this.#selfView;
  }

  // --- internals ----------------------------------------------------------------------------

  #onResize = (): void => {
    if (this.#closed) return;
    this.#relayout(true);
    // Ink redraws after the resize too; redraw everything once the dust settles.
    this.#cancelSettle?.();
    this.#cancelSettle = this.#setTimer(() => {
      this.#cancelSettle = null;
      this.#renderer?.invalidate();
      this.#draw(true);
    }, SETTLE_MS);
  };

  /** Recomputes the layout; `margins` re-sends the scroll region (the terminal resets it on resize). */
  #relayout(margins: boolean): void {
    const cols = this.#out.columns || 80;
    const rows = this.#out.rows || 24;
    const before = this.#layout;
    const reservedBefore = this.reservedRows;
    this.#layout = computeVideoLayout(cols, rows, this.#selfView);
    const sized = before.paneRows !== this.#layout.paneRows || before.paneCols !== this.#layout.paneCols;
    if (margins || sized) {
      const reserved = this.reservedRows;
      this.#out.write(reserved > 0 ? setScrollRegion(reserved + 1, rows) : RESET_SCROLL_REGION);
    }
    if (sized || !this.#renderer) {
      const { paneCols, paneRows } = this.#layout;
      this.#renderer = new HalfBlockRenderer({
        top: 0,
        left: 0,
        cols: paneCols,
        rows: paneRows,
        mode: colorModeOf(this.#mode),
        threshold: this.#opts.threshold ?? DEFAULT_THRESHOLD,
        ...(this.#opts.refreshMs !== undefined ? { refreshMs: this.#opts.refreshMs } : {}),
      });
      this.#grid = this.#renderer.createGrid();
    } else {
      this.#renderer.invalidate();
    }
    if (this.reservedRows !== reservedBefore) for (const cb of this.#listeners) cb();
    if (sized) for (const cb of this.#resizeCbs) cb(this.paneSize);
    this.#draw(true);
  }

  /** Draws the current state, unless the terminal is still busy; `blank` draws an empty pane. */
  #draw(force: boolean, blank = false): void {
    if (this.#closed || !this.#visible || !this.#renderer || !this.#grid) return;
    if (this.#layout.paneRows === 0) return;
    const result = this.#gate.offer(() => this.#compose(blank), force);
    if (result === 'written') this.#drawnFrames++;
  }

  #compose(blank: boolean): string {
    const renderer = this.#renderer!;
    const grid = this.#grid!;
    const { paneCols, paneRows, self } = this.#layout;
    const whole: CellRect = { col: 0, row: 0, cols: paneCols, rows: paneRows };
    const kitty = this.#mode === 'kitty' && !blank && this.#paused === null && this.#remote !== null;
    fillRect(grid, whole);
    if (!blank) {
      if (this.#remote && !kitty) rasterize(grid, this.#remote, whole);
      if (this.#paused !== null || !this.#remote)
        drawCenteredText(grid, this.#paused ?? this.#opts.idleText ?? 'no video');
      if (self && this.#selfView && this.#self && !kitty) rasterize(grid, this.#self, self);
      else if (self && this.#selfView && !kitty) fillRect(grid, self);
    }
    let out = renderer.render(grid, this.#now());
    if (kitty) {
      out += encodeKittyFrame(this.#remote!, whole, KITTY_REMOTE_ID);
      if (self && this.#selfView && this.#self) out += encodeKittyFrame(this.#self, self, KITTY_SELF_ID, 1);
      else out += kittyDelete(KITTY_SELF_ID);
      this.#kittyShown = true;
    } else if (this.#kittyShown) {
      out += kittyDelete(KITTY_REMOTE_ID) + kittyDelete(KITTY_SELF_ID);
      this.#kittyShown = false;
    }
    return out;
  }
}
