/** The pure parts of the media pipeline: test-pattern stamps, tone detection, frame chunking, RTP rewriting. */
import { describe, expect, it } from 'vitest';
import { detectTone, levelDbfs, toneEnergyRatio } from '../../src/media/pipeline/audio-analysis.js';
import { FrameChunker } from '../../src/media/pipeline/frame-chunker.js';
import { FrameMonitor } from '../../src/media/pipeline/frame-monitor.js';
import { GapDetector, readRtpHeader, RtpRewriter } from '../../src/media/pipeline/rtp-rewrite.js';
import {
  crc16,
  readStamp,
  stampAgeMs,
  stampBits,
  stampFromBits,
  TestPatternGenerator,
  yuv420pBytes,
} from '../../src/media/pipeline/test-pattern.js';
import { yuv420pToRgb } from '../../src/media/pipeline/yuv.js';
import type { RgbFrame } from '../../src/media/render/frame.js';

/** Deterministic PRNG for noise. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function patternRgb(
  counter: number,
  timeMs: number,
  w: number,
  h: number,
  outW: number,
  outH: number,
): RgbFrame {
  const yuv = new TestPatternGenerator(w, h).frame({ counter, timeMs });
  return yuv420pToRgb(yuv, w, h, outW, outH);
}

describe('test pattern stamp', () => {
  it('CRC-16/CCITT-FALSE of "123456789" is 0x29b1', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x29b1);
  });

  it('round-trips counter and time through bits, and rejects a flipped bit', () => {
    const stamp = { counter: 0xdeadbeef, timeMs: 123456789 };
    const bits = stampBits(stamp);
    expect(stampFromBits(bits)).toEqual(stamp);
    for (const i of [0, 31, 40, 79]) {
      const bad = Uint8Array.from(bits);
      bad[i] = bad[i]! ^ 1;
      expect(stampFromBits(bad)).toBeNull();
    }
  });

  it.each([
    [640, 480, 640, 480],
    [640, 480, 320, 240],
    [640, 480, 160, 120],
    [320, 240, 80, 48],
    [640, 480, 200, 150],
  ])('reads the stamp back from a %ix%i pattern decoded at %ix%i, through noise', (w, h, ow, oh) => {
    const rand = rng(w * ow);
    for (const counter of [0, 1, 77, 2 ** 31 + 5]) {
      const f = patternRgb(counter, 987654321, w, h, ow, oh);
      for (let i = 0; i < f.data.length; i++) {
        f.data[i] = Math.max(0, Math.min(255, f.data[i]! + Math.round((rand() - 0.5) * 80)));
      }
      expect(readStamp(f)).toEqual({ counter: counter >>> 0, timeMs: 987654321 });
    }
  });

  it('finds no stamp in a picture without one', () => {
    const grey: RgbFrame = { width: 320, height: 240, data: Buffer.alloc(320 * 240 * 3, 128) };
    expect(readStamp(grey)).toBeNull();
    expect(readStamp({ width: 8, height: 8, data: Buffer.alloc(192) })).toBeNull();
  });

  it('measures age across the 2^32 wrap', () => {
    expect(stampAgeMs({ counter: 0, timeMs: 2 ** 32 - 10 }, 2 ** 32 + 15)).toBe(25);
    expect(yuv420pBytes(640, 480)).toBe(460800);
  });
});

describe('tone detection', () => {
  const sine = (hz: number, amp = 10000, n = 4800, rate = 48000): Int16Array =>
    Int16Array.from({ length: n }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * hz * i) / rate)));

  it.each([[200], [440], [1000], [2500], [6000]])('detects a %i Hz sine within 1 %', (hz) => {
    const t = detectTone(sine(hz), 48000);
    expect(t).not.toBeNull();
    expect(Math.abs(t!.hz - hz)).toBeLessThanOrEqual(hz * 0.01 + 1);
    expect(t!.purity).toBeGreaterThan(0.9);
  });

  it('detects a tone through noise, and nothing in noise or silence', () => {
    const rand = rng(7);
    const noisy = sine(1000).map((v) => v + Math.round((rand() - 0.5) * 2000));
    expect(Math.abs(detectTone(noisy, 48000)!.hz - 1000)).toBeLessThan(10);
    const noise = Int16Array.from({ length: 4800 }, () => Math.round((rand() - 0.5) * 20000));
    expect(detectTone(noise, 48000)).toBeNull();
    expect(detectTone(new Int16Array(4800), 48000)).toBeNull();
  });

  it('energy ratio and level', () => {
    expect(toneEnergyRatio(sine(1000), 48000, 1000)).toBeGreaterThan(0.95);
    expect(toneEnergyRatio(sine(1000), 48000, 3000)).toBeLessThan(0.05);
    expect(levelDbfs(sine(1000, 16384))).toBeCloseTo(-9.03, 1);
    expect(levelDbfs(new Int16Array(10))).toBe(-Infinity);
  });
});

describe('FrameChunker', () => {
  it('cuts exact frames whatever the chunk boundaries', () => {
    const stream = Buffer.from(Array.from({ length: 23 }, (_, i) => i));
    const c2 = new FrameChunker(5);
    const frames: Buffer[] = [];
    let off = 0;
    for (const size of [1, 7, 3, 2, 10]) {
      frames.push(...c2.push(stream.subarray(off, off + size)));
      off += size;
    }
    expect(frames.map((f) => [...f])).toEqual([
      [0, 1, 2, 3, 4],
      [5, 6, 7, 8, 9],
      [10, 11, 12, 13, 14],
      [15, 16, 17, 18, 19],
    ]);
    expect(c2.buffered).toBe(3);
    c2.reset(4);
    expect(c2.push(Buffer.from([1, 2, 3, 4, 5])).map((f) => [...f])).toEqual([[1, 2, 3, 4]]);
  });

  it('hands out frames that later pushes do not overwrite', () => {
    const c = new FrameChunker(2);
    const [a] = c.push(Buffer.from([1, 2]));
    c.push(Buffer.from([3, 4]));
    expect([...a!]).toEqual([1, 2]);
  });
});

function rtp(seq: number, ts: number, ssrc: number, pt = 100): Buffer {
  const b = Buffer.alloc(20);
  b[0] = 0x80;
  b[1] = 0x80 | pt;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  return b;
}

describe('RtpRewriter', () => {
  it('keeps one SSRC and continuous sequence numbers and timestamps across source changes', () => {
    const r = new RtpRewriter({ ssrc: 0x1234, payloadType: 96, clockRate: 90000 });
    const out = (p: Buffer, now: number) => readRtpHeader(r.rewrite(p, now)!)!;
    expect(out(rtp(100, 5000, 1), 0)).toMatchObject({
      sequenceNumber: 100,
      timestamp: 5000,
      ssrc: 0x1234,
      payloadType: 96,
      marker: true,
    });
    expect(out(rtp(101, 8000, 1), 33)).toMatchObject({ sequenceNumber: 101, timestamp: 8000 });
    // A restarted encoder: random base, new SSRC → continues after 101, timestamp + elapsed (100 ms).
    const next = out(rtp(65530, 4_000_000_000, 2), 133);
    expect(next.sequenceNumber).toBe(102);
    expect(next.timestamp).toBe(8000 + 9000);
    expect(out(rtp(65535, 4_000_003_000, 2), 166)).toMatchObject({
      sequenceNumber: 107,
      timestamp: 17000 + 3000,
    });
    expect(out(rtp(0, 4_000_003_000, 2), 166).sequenceNumber).toBe(108); // input wraps
    expect(r.switches).toBe(1);
    // A late packet from the replaced source is dropped.
    expect(r.rewrite(rtp(102, 11000, 1), 170)).toBeNull();
  });

  it('keeps gaps within a source (the receiver must see loss) and wraps output sequence numbers', () => {
    const r = new RtpRewriter({
      ssrc: 9,
      payloadType: 111,
      clockRate: 48000,
      initialSeq: 65534,
      initialTimestamp: 2 ** 32 - 960,
    });
    const seqs = [10, 11, 14].map((s, i) => readRtpHeader(r.rewrite(rtp(s, 960 * i, 5), i * 20)!)!);
    expect(seqs.map((h) => h.sequenceNumber)).toEqual([65534, 65535, 2]);
    expect(seqs.map((h) => h.timestamp)).toEqual([2 ** 32 - 960, 0, 960]);
    expect(r.rewrite(Buffer.from([1, 2, 3]), 0)).toBeNull();
  });

  it('GapDetector counts lost packets, ignores reordering and wraps', () => {
    const g = new GapDetector();
    expect([65533, 65534, 1, 0, 2, 5].map((s) => g.observe(s))).toEqual([0, 0, 2, 0, 0, 2]);
    expect(g.lost).toBe(4);
  });
});

describe('FrameMonitor', () => {
  const frame = (v: number): RgbFrame => ({ width: 32, height: 24, data: Buffer.alloc(32 * 24 * 3, v) });

  it('reports black pictures, frozen pictures, freezes and fps', () => {
    const m = new FrameMonitor({ freezeMs: 500 });
    expect(m.onFrame(frame(0), 0, 0)).toEqual([{ name: 'black-frame', data: { black: true } }]);
    expect(m.onFrame(frame(200), 33, 33)).toEqual([{ name: 'black-frame', data: { black: false } }]);
    expect(m.onFrame(frame(200), 1000, 1000)).toEqual([]);
    expect(m.onFrame(frame(200), 2100, 2100)).toEqual([{ name: 'frozen-picture', data: { frozen: true } }]);
    expect(m.tick(2300, true)).toEqual([]);
    expect(m.tick(2700, false)).toEqual([]); // the stranger paused: not a freeze
    expect(m.tick(2700, true)).toEqual([{ name: 'freeze', data: { ms: 600, ended: false } }]);
    expect(m.onFrame(frame(90), 3000, 3000)).toEqual([
      { name: 'freeze', data: { ms: 900, ended: true } },
      { name: 'frozen-picture', data: { frozen: false } },
    ]);
    expect(m.freezes).toBe(1);
    expect(m.takeFps(3000)).toBeCloseTo(5 / 3, 1);
  });

  it('reads the test-pattern counter and latency', () => {
    const m = new FrameMonitor({ freezeMs: 500 });
    m.onFrame(patternRgb(42, 1000, 320, 240, 160, 120), 0, 1030);
    expect(m.counter).toBe(42);
    expect(m.latencyMs).toBe(30);
  });
});
