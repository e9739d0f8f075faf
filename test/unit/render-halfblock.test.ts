import { describe, expect, it } from 'vitest';
import { rgbTo256, xterm256ToRgb } from '../../src/media/render/color.js';
import { encodeCells } from '../../src/media/render/encode.js';
import type { RgbFrame } from '../../src/media/render/frame.js';
import { createGrid, drawCenteredText, fitFrame, rasterize } from '../../src/media/render/grid.js';
import { HalfBlockRenderer, wrapSequence } from '../../src/media/render/renderer.js';
import type { ColorMode } from '../../src/media/render/color.js';

type Px = [number, number, number];
/** A frame from rows of pixels. */
function frame(rows: Px[][]): RgbFrame {
  const height = rows.length;
  const width = rows[0]?.length ?? 0;
  return { width, height, data: Buffer.from(rows.flat(2)) };
}
const R: Px = [255, 0, 0];
const G: Px = [0, 255, 0];
const B: Px = [0, 0, 255];
const W: Px = [255, 255, 255];
const K: Px = [0, 0, 0];
const GRAY: Px = [128, 128, 128];

function renderOnce(f: RgbFrame, mode: ColorMode, cols: number, rows: number, at = { top: 0, left: 0 }) {
  const grid = createGrid(cols, rows, mode);
  rasterize(grid, f, { col: 0, row: 0, cols, rows });
  return encodeCells(grid, null, at).text;
}

describe('256-colour mapping', () => {
  it.each<[Px, number]>([
    [[0, 0, 0], 16],
    [[255, 255, 255], 231],
    [[255, 0, 0], 196],
    [[0, 255, 0], 46],
    [[0, 0, 255], 21],
    [[95, 135, 175], 67],
    [[128, 128, 128], 244],
    [[100, 100, 100], 241],
    [[8, 8, 8], 232],
    [[238, 238, 238], 255],
    [[250, 120, 10], 208],
    [[40, 40, 60], 236],
  ])('%j → %i', (rgb, index) => {
    expect(rgbTo256(...rgb)).toBe(index);
  });

  it('maps every palette colour (≥ 16) to itself', () => {
    for (let i = 16; i < 256; i++) {
      const rgb = xterm256ToRgb(i);
      expect(xterm256ToRgb(rgbTo256(...rgb))).toEqual(rgb);
    }
  });
});

describe('pixels → cells', () => {
  const quad = frame([
    [R, G],
    [B, W],
  ]);

  it('truecolor: ▀ with fg = upper pixel, bg = lower pixel, one CUP for the run', () => {
    expect(renderOnce(quad, 'truecolor', 2, 1)).toBe(
      '\x1b[1;1H' + '\x1b[38;2;255;0;0;48;2;0;0;255m▀' + '\x1b[38;2;0;255;0;48;2;255;255;255m▀',
    );
  });

  it('256 colours', () => {
    expect(renderOnce(quad, '256', 2, 1)).toBe('\x1b[1;1H\x1b[38;5;196;48;5;21m▀\x1b[38;5;46;48;5;231m▀');
  });

  it('positions at the pane origin (row/column offsets)', () => {
    expect(renderOnce(quad, '256', 2, 1, { top: 4, left: 10 })).toMatch(/^\x1b\[5;11H/);
  });

  it('reuses colours: a flat area is spaces on one background', () => {
    const flat = frame([
      [R, R, R],
      [R, R, R],
    ]);
    expect(renderOnce(flat, 'truecolor', 3, 1)).toBe('\x1b[1;1H\x1b[48;2;255;0;0m   ');
  });

  it('picks ▄ when that saves a colour change', () => {
    const swapped = frame([
      [R, B],
      [B, R],
    ]);
    expect(renderOnce(swapped, '256', 2, 1)).toBe('\x1b[1;1H\x1b[38;5;196;48;5;21m▀▄');
  });

  it('mono: a luma ramp with no colour codes at all', () => {
    const f = frame([
      [K, GRAY, W],
      [K, GRAY, W],
    ]);
    const out = renderOnce(f, 'mono', 3, 1);
    expect(out).toBe('\x1b[1;1H ▒█');
    expect(wrapSequence(out)).not.toMatch(/\x1b\[[\d;]*(3\d|4\d|38;|48;)[\d;]*m/);
  });

  it('letterboxes a wide frame in a tall pane, on whole cells, with default colours', () => {
    expect(fitFrame(4, 2, 4, 4)).toEqual({ x: 0, y: 2, width: 4, height: 2 });
    expect(fitFrame(640, 480, 80, 24)).toEqual({ x: 8, y: 0, width: 64, height: 48 });
    expect(fitFrame(640, 360, 80, 24)).toEqual({ x: 0, y: 0, width: 80, height: 45 });
    const wide = frame([
      [R, R, R, R],
      [R, R, R, R],
    ]);
    const grid = createGrid(4, 4, 'truecolor');
    rasterize(grid, wide, { col: 0, row: 0, cols: 4, rows: 4 });
    expect(Array.from(grid.top)).toEqual([
      -1,
      -1,
      -1,
      -1,
      0xff0000,
      0xff0000,
      0xff0000,
      0xff0000,
      ...Array(8).fill(-1),
    ]);
    expect(encodeCells(grid, null, { top: 0, left: 0 }).text).toBe(
      '\x1b[1;1H    \x1b[2;1H\x1b[48;2;255;0;0m    \x1b[3;1H\x1b[49m    \x1b[4;1H    ',
    );
  });

  it('draws overlay text as text cells', () => {
    const grid = createGrid(8, 3, '256');
    drawCenteredText(grid, 'hi');
    const out = encodeCells(grid, null, { top: 0, left: 0 }).text;
    expect(out).toContain('\x1b[38;5;231;48;5;16m hi ');
  });
});

describe('HalfBlockRenderer (diffing)', () => {
  const size = { top: 2, left: 0, cols: 4, rows: 2 };
  const base = (): Px[][] => Array.from({ length: 4 }, () => [K, K, K, K]);

  function draw(r: HalfBlockRenderer, rows: Px[][], now: number): string {
    const grid = r.createGrid();
    rasterize(grid, frame(rows), { col: 0, row: 0, cols: 4, rows: 2 });
    return r.render(grid, now);
  }

  it('first frame is full, wrapped in synchronized output and cursor save/restore', () => {
    const r = new HalfBlockRenderer({ ...size, mode: 'truecolor' });
    const out = draw(r, base(), 0);
    expect(out.startsWith('\x1b[?2026h\x1b7\x1b[0m')).toBe(true);
    expect(out.endsWith('\x1b8\x1b[?2026l')).toBe(true);
    expect(r.stats).toMatchObject({ frames: 1, fullFrames: 1, cells: 8 });
  });

  it('second frame emits only the changed cells; an unchanged frame emits nothing', () => {
    const r = new HalfBlockRenderer({ ...size, mode: 'truecolor' });
    draw(r, base(), 0);
    expect(draw(r, base(), 33)).toBe('');
    const next = base();
    next[3]![2] = W; // pixel row 3 = lower half of cell row 1, column 2
    expect(draw(r, next, 66)).toBe(wrapSequence('\x1b[4;3H\x1b[38;2;0;0;0;48;2;255;255;255m▀'));
    expect(r.stats.cells).toBe(9);
  });

  it('coalesces a run of changed cells and skips gaps with a forward move', () => {
    const r = new HalfBlockRenderer({ ...size, mode: '256' });
    draw(r, base(), 0);
    const next = base();
    next[0] = [W, W, K, W];
    next[1] = [W, W, K, W];
    expect(draw(r, next, 33)).toBe(wrapSequence('\x1b[3;1H\x1b[48;5;231m  \x1b[C '));
  });

  it('redraws everything after the refresh period (time injected) and after invalidate()', () => {
    const r = new HalfBlockRenderer({ ...size, mode: '256', refreshMs: 2000 });
    draw(r, base(), 0);
    expect(draw(r, base(), 1999)).toBe('');
    const full = draw(r, base(), 2000);
    expect(full).toContain('\x1b[3;1H');
    expect(full).toContain('\x1b[4;1H');
    expect(r.stats.fullFrames).toBe(2);
    expect(draw(r, base(), 2100)).toBe('');
    r.invalidate();
    expect(draw(r, base(), 2200)).not.toBe('');
    expect(r.stats.fullFrames).toBe(3);
  });

  it('ignores truecolor changes within the threshold, against what was last drawn', () => {
    const r = new HalfBlockRenderer({ ...size, mode: 'truecolor', threshold: 4 });
    draw(r, base(), 0);
    const a = base();
    a[0]![0] = [3, 3, 3];
    expect(draw(r, a, 33)).toBe('');
    const b = base();
    b[0]![0] = [6, 0, 0];
    expect(draw(r, b, 66)).not.toBe('');
  });
});
