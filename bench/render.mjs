/**
 * bench:render — terminal output of the half-block video renderer for a synthetic 30 fps "talking
 * head" (static wall with camera noise, a swaying head, blinking eyes, a talking mouth), at 80×24
 * and 160×48 panes: bytes per second and render CPU time per frame, diffing vs a full redraw of every
 * frame (the in-run reference). Simulated time: frames are rendered back to back, 30 fps is the clock
 * the renderer is given (so the 2 s full refresh happens every 60 frames, as it would live).
 *
 * Usage: node bench/render.mjs [--seconds 10] [--json]
 */
import { performance } from 'node:perf_hooks';
import { createGrid, rasterize } from '../dist/media/render/grid.js';
import { HalfBlockRenderer } from '../dist/media/render/renderer.js';
import {
  finish,
  fmtInt,
  fmtMs,
  fmtX,
  header,
  parseFlags,
  printVerdicts,
  ratio,
  round,
  verdict,
} from './lib/report.mjs';

const flags = parseFlags();
const { out } = flags;
const SECONDS = Math.min(60, Math.max(2, Math.floor(flags.num('seconds', 10))));
const FPS = 30;
const TARGET_BYTES_PER_S = 1_000_000;
const PANES = [
  { cols: 80, rows: 24 },
  { cols: 160, rows: 48 },
];
const VARIANTS = [
  { name: 'truecolor, exact', mode: 'truecolor', threshold: 0 },
  { name: 'truecolor, tolerance 6', mode: 'truecolor', threshold: 6 },
  { name: '256 colours', mode: '256', threshold: 0 },
  { name: 'mono (NO_COLOR)', mode: 'mono', threshold: 0 },
];

/** Deterministic PRNG (mulberry32) so every run sees the same frames. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Frame `i` of the talking head at w×h (rgb24). */
function talkingHead(w, h, i, rand) {
  const data = Buffer.alloc(w * h * 3);
  const t = i / FPS;
  const cx = w * (0.5 + 0.03 * Math.sin(2 * Math.PI * 0.4 * t));
  const cy = h * (0.45 + 0.01 * Math.sin(2 * Math.PI * 0.7 * t));
  const rx = w * 0.17;
  const ry = h * 0.3;
  const blink = t % 3.5 < 0.15;
  const mouthOpen = 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Wall: a soft vertical gradient; shoulders: dark blue below the head.
      let r = 170 + (y / h) * 40;
      let g = 160 + (y / h) * 30;
      let b = 140 + (x / w) * 20;
      const dx = (x - cx) / rx;
      const dy = (y - cy) / ry;
      if (y > cy + ry * 0.9 && Math.abs(x - cx) < w * 0.35) [r, g, b] = [40, 50, 90];
      if (dx * dx + dy * dy <= 1) {
        const shade = 1 - 0.25 * dx;
        [r, g, b] = [225 * shade, 180 * shade, 150 * shade];
        const eye = Math.abs(Math.abs(dx) - 0.4) < 0.12 && Math.abs(dy + 0.2) < (blink ? 0.02 : 0.08);
        const mouth = Math.abs(dx) < 0.35 && dy > 0.35 && dy < 0.4 + 0.15 * mouthOpen;
        if (eye) [r, g, b] = [40, 30, 30];
        if (mouth) [r, g, b] = [120, 40, 50];
      }
      // Camera noise: ±2 per channel.
      const n = Math.floor(rand() * 5) - 2;
      const o = (y * w + x) * 3;
      data[o] = Math.max(0, Math.min(255, r + n));
      data[o + 1] = Math.max(0, Math.min(255, g + n));
      data[o + 2] = Math.max(0, Math.min(255, b + n));
    }
  }
  return { width: w, height: h, data };
}

/** Renders every frame; returns bytes/s and CPU ms per frame. `refreshMs: 0` = full redraws. */
function run(frames, pane, variant, refreshMs) {
  const renderer = new HalfBlockRenderer({
    top: 0,
    left: 0,
    ...pane,
    mode: variant.mode,
    threshold: variant.threshold,
    refreshMs,
  });
  const grid = createGrid(pane.cols, pane.rows, variant.mode);
  const rect = { col: 0, row: 0, cols: pane.cols, rows: pane.rows };
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  frames.forEach((f, i) => {
    rasterize(grid, f, rect);
    bytes += Buffer.byteLength(renderer.render(grid, (i * 1000) / FPS));
  });
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const n = frames.length;
  return {
    bytesPerS: bytes / (n / FPS),
    cpuMsPerFrame: (cpu.user + cpu.system) / 1000 / n,
    wallMsPerFrame: wall / n,
  };
}

async function main() {
  const env = await header(
    out,
    `bench:render — half-block video output, ${SECONDS} s of 30 fps talking head`,
  );
  const results = [];
  const verdicts = [];
  for (const pane of PANES) {
    const rand = rng(42);
    const frames = Array.from({ length: SECONDS * FPS }, (_, i) =>
      talkingHead(pane.cols, pane.rows * 2, i, rand),
    );
    out('');
    out(`  pane ${pane.cols}×${pane.rows} cells (${pane.cols}×${pane.rows * 2} px), ${frames.length} frames`);
    out(
      `    ${'variant'.padEnd(24)} ${'diff B/s'.padStart(11)} ${'full B/s'.padStart(11)} ${'ratio'.padStart(7)} ${'CPU/frame diff'.padStart(15)} ${'full'.padStart(9)}`,
    );
    for (const variant of VARIANTS) {
      run(frames.slice(0, 30), pane, variant, 2000); // warm-up
      const diff = run(frames, pane, variant, 2000);
      const full = run(frames, pane, variant, 0);
      const r = ratio(diff.bytesPerS, full.bytesPerS);
      out(
        `    ${variant.name.padEnd(24)} ${fmtInt(diff.bytesPerS).padStart(11)} ${fmtInt(full.bytesPerS).padStart(11)} ${fmtX(r).padStart(7)} ${fmtMs(diff.cpuMsPerFrame).padStart(15)} ${fmtMs(full.cpuMsPerFrame).padStart(9)}`,
      );
      results.push({
        pane: `${pane.cols}x${pane.rows}`,
        variant: variant.name,
        diffBytesPerS: round(diff.bytesPerS, 0),
        fullBytesPerS: round(full.bytesPerS, 0),
        ratio: round(r, 3),
        diffCpuMsPerFrame: round(diff.cpuMsPerFrame, 3),
        fullCpuMsPerFrame: round(full.cpuMsPerFrame, 3),
      });
      if (variant.mode !== 'mono' && variant.threshold === (variant.mode === 'truecolor' ? 6 : 0)) {
        verdicts.push(
          verdict(
            `${pane.cols}×${pane.rows} ${variant.name}, output`,
            diff.bytesPerS / 1e6,
            '<=',
            TARGET_BYTES_PER_S / 1e6,
            'MB/s',
          ),
        );
      }
    }
  }
  printVerdicts(out, verdicts);
  finish(flags, 'render', { ...env, seconds: SECONDS, results, verdicts });
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
