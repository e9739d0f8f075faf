/** yuv420p → rgb24 with nearest-neighbour scaling (the self view: small, cheap, pure). */
import type { RgbFrame } from '../render/frame.js';

const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);

export function yuv420pToRgb(
  src: Buffer,
  width: number,
  height: number,
  outW: number,
  outH: number,
): RgbFrame {
  const data = Buffer.allocUnsafe(outW * outH * 3);
  const cw = width >> 1;
  const uBase = width * height;
  const vBase = uBase + cw * (height >> 1);
  let o = 0;
  for (let y = 0; y < outH; y++) {
    const sy = Math.min(height - 1, Math.floor(((y + 0.5) * height) / outH));
    for (let x = 0; x < outW; x++) {
      const sx = Math.min(width - 1, Math.floor(((x + 0.5) * width) / outW));
      const c = 1.164 * ((src[sy * width + sx] ?? 16) - 16);
      const ci = (sy >> 1) * cw + (sx >> 1);
      const d = (src[uBase + ci] ?? 128) - 128;
      const e = (src[vBase + ci] ?? 128) - 128;
      data[o++] = clamp(Math.round(c + 1.596 * e));
      data[o++] = clamp(Math.round(c - 0.392 * d - 0.813 * e));
      data[o++] = clamp(Math.round(c + 2.017 * d));
    }
  }
  return { width: outW, height: outH, data };
}
