/**
 * Pure analysis of decoded PCM (signed 16-bit, mono): level and tone detection. Used for the
 * `media-stats` audio level and to verify `--audio tone` end to end.
 */

/** Int16 samples of a little-endian s16 buffer (copies odd-aligned buffers). */
export function s16leSamples(buf: Buffer): Int16Array {
  const n = buf.length >> 1;
  if (buf.byteOffset % 2 === 0) return new Int16Array(buf.buffer, buf.byteOffset, n);
  const copy = Buffer.from(buf.subarray(0, n * 2));
  return new Int16Array(copy.buffer, copy.byteOffset, n);
}

/** RMS level in dBFS (-Infinity for silence; 0 for a full-scale square wave). */
export function levelDbfs(samples: ArrayLike<number>): number {
  if (samples.length === 0) return -Infinity;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = (samples[i] ?? 0) / 32768;
    sum += s * s;
  }
  const rms = Math.sqrt(sum / samples.length);
  return rms === 0 ? -Infinity : 20 * Math.log10(rms);
}

/** Goertzel: the fraction (0..1) of the block's energy at `freqHz` (1 for a pure sine at that frequency). */
export function toneEnergyRatio(samples: ArrayLike<number>, sampleRate: number, freqHz: number): number {
  const n = samples.length;
  if (n === 0) return 0;
  const coeff = 2 * Math.cos((2 * Math.PI * freqHz) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (let i = 0; i < n; i++) {
    const x = samples[i] ?? 0;
    energy += x * x;
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  if (energy === 0) return 0;
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  // A pure sine of amplitude A over N samples: power ≈ (A·N/2)², energy ≈ A²·N/2 → ratio 1.
  return Math.min(1, (2 * power) / (n * energy));
}

/** Frequency from the number of rising zero crossings (with a small hysteresis against noise). */
export function zeroCrossingHz(samples: ArrayLike<number>, sampleRate: number): number {
  const hyst = 200;
  let state = 0;
  let first = -1;
  let last = -1;
  let crossings = 0;
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i] ?? 0;
    if (state <= 0 && x > hyst) {
      if (state < 0) {
        if (first < 0) first = i;
        else crossings++;
        last = i;
      }
      state = 1;
    } else if (state >= 0 && x < -hyst) state = -1;
  }
  if (crossings === 0 || last <= first) return 0;
  return (crossings * sampleRate) / (last - first);
}

export interface ToneEstimate {
  /** Estimated frequency in Hz (0 when there is no tone). */
  hz: number;
  /** Fraction of the energy at `hz` (1 = a pure tone). */
  purity: number;
}

/** Dominant pure tone of a block of samples, or null when it is silence or not tonal (purity < 0.5). */
export function detectTone(samples: ArrayLike<number>, sampleRate: number): ToneEstimate | null {
  const rough = zeroCrossingHz(samples, sampleRate);
  if (rough <= 0) return null;
  // Refine: the best Goertzel response within ±3 % of the zero-crossing estimate.
  let best: ToneEstimate = { hz: rough, purity: toneEnergyRatio(samples, sampleRate, rough) };
  for (let f = rough * 0.97; f <= rough * 1.03; f += Math.max(1, rough * 0.002)) {
    const purity = toneEnergyRatio(samples, sampleRate, f);
    if (purity > best.purity) best = { hz: f, purity };
  }
  return best.purity >= 0.5 ? { hz: Math.round(best.hz), purity: best.purity } : null;
}
