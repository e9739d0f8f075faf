import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  DA1_QUERY,
  encodeKittyFrame,
  KITTY_QUERY,
  kittyChunks,
  kittyFromEnv,
  kittyPlacement,
  parseKittyReply,
  queryKittyGraphics,
} from '../../src/media/render/kitty.js';
import { resolveRenderMode, type RenderModeChoice } from '../../src/media/render/mode.js';
import { WriteGate } from '../../src/media/render/scheduler.js';

describe('kitty graphics', () => {
  it('splits base64 into ≤ 4096-byte chunks: control keys on the first, m=1 … m=0', () => {
    const b64 = 'A'.repeat(10_000);
    const chunks = kittyChunks('a=T,f=24', b64);
    expect(chunks).toHaveLength(3);
    const payloads = chunks.map((c) => /;([A-Z]*)\x1b\\$/.exec(c)?.[1] ?? '');
    expect(payloads.map((p) => p.length)).toEqual([4096, 4096, 1808]);
    expect(chunks[0]).toMatch(/^\x1b_Ga=T,f=24,m=1;/);
    expect(chunks[1]).toMatch(/^\x1b_Gm=1;/);
    expect(chunks[2]).toMatch(/^\x1b_Gm=0;/);
    expect(payloads.join('')).toBe(b64);
    expect(kittyChunks('a=T', 'AAAA')).toEqual(['\x1b_Ga=T,m=0;AAAA\x1b\\']);
  });

  it('transmits rgb24 with a fixed id, placed at the fitted pane cells, cursor untouched', () => {
    const data = Buffer.alloc(4 * 2 * 3, 7);
    const out = encodeKittyFrame({ width: 4, height: 2, data }, { col: 0, row: 10, cols: 4, rows: 4 }, 99);
    expect(
      out.startsWith('\x1b[?2026h\x1b7\x1b[12;1H\x1b_Ga=T,f=24,s=4,v=2,i=99,p=1,c=4,r=1,z=0,C=1,q=2,m=0;'),
    ).toBe(true);
    expect(out.endsWith('\x1b\\\x1b8\x1b[?2026l')).toBe(true);
    const b64 = /;([A-Za-z0-9+/=]+)\x1b\\/.exec(out)?.[1] ?? '';
    expect(Buffer.from(b64, 'base64')).toEqual(data);
    expect(kittyPlacement({ width: 640, height: 480 }, { col: 0, row: 0, cols: 80, rows: 24 })).toEqual({
      col: 8,
      row: 0,
      cols: 64,
      rows: 24,
    });
  });

  it.each<[Record<string, string>, boolean]>([
    [{ TERM: 'xterm-kitty' }, true],
    [{ TERM: 'xterm-256color', KITTY_WINDOW_ID: '3' }, true],
    [{ TERM_PROGRAM: 'WezTerm' }, true],
    [{ TERM_PROGRAM: 'ghostty' }, true],
    [{ TERM: 'xterm-kitty', TMUX: '/tmp/tmux-1/default,1,0' }, false],
    [{ TERM: 'tmux-256color', KITTY_WINDOW_ID: '3' }, false],
    [{ TERM: 'xterm-256color' }, false],
  ])('detects from the environment: %j → %s', (env, want) => {
    expect(kittyFromEnv(env)).toBe(want);
  });

  it('parses the query answer; a DA1 answer alone means no', () => {
    expect(parseKittyReply('\x1b_Gi=31;OK\x1b\\\x1b[?62;22c')).toBe(true);
    expect(parseKittyReply('\x1b_Gi=31;ENOTSUPPORTED:x\x1b\\')).toBe(false);
    expect(parseKittyReply('\x1b[?62;22c')).toBe(false);
    expect(parseKittyReply('\x1b_Gi=31;O')).toBe(null);
  });

  it('queries with a timeout', async () => {
    const input = new EventEmitter();
    const written: string[] = [];
    let fire: (() => void) | null = null;
    const io = {
      input,
      output: { write: (s: string) => written.push(s) > 0 },
      setTimer: (cb: () => void) => {
        fire = cb;
        return () => (fire = null);
      },
    };
    const yes = queryKittyGraphics(io);
    expect(written).toEqual([KITTY_QUERY + DA1_QUERY]);
    input.emit('data', Buffer.from('\x1b_Gi=31;OK\x1b\\'));
    await expect(yes).resolves.toBe(true);
    expect(input.listenerCount('data')).toBe(0);
    const silent = queryKittyGraphics(io);
    (fire as (() => void) | null)?.();
    await expect(silent).resolves.toBe(false);
  });
});

describe('render mode', () => {
  it.each<[RenderModeChoice, Record<string, string>, boolean, string]>([
    ['auto', { TERM: 'xterm-kitty' }, true, 'kitty'],
    ['auto', { COLORTERM: 'truecolor' }, true, 'truecolor'],
    ['auto', { COLORTERM: '24bit', TERM: 'xterm-256color' }, true, 'truecolor'],
    ['auto', { TERM: 'xterm-256color' }, true, '256'],
    ['auto', { TERM: 'xterm-kitty', NO_COLOR: '1' }, true, 'mono'],
    ['auto', { COLORTERM: 'truecolor' }, false, 'mono'],
    ['auto', { TERM: 'dumb' }, true, 'mono'],
    ['256', { COLORTERM: 'truecolor' }, true, '256'],
    ['truecolor', { NO_COLOR: '1' }, true, 'mono'],
  ])('%s with %j (colour %s) → %s', (choice, env, color, want) => {
    expect(resolveRenderMode(choice, env, color)).toBe(want);
  });
});

/** A stream whose write() returns false until 'drain' is emitted. */
class SlowStream extends EventEmitter {
  readonly chunks: string[] = [];
  full = false;
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return !this.full;
  }
}

describe('WriteGate (frame budget)', () => {
  it('skips frames while the previous write is draining, without rendering them', () => {
    const stream = new SlowStream();
    let drained = 0;
    const gate = new WriteGate(stream, { onDrain: () => drained++ });
    stream.full = true;
    expect(gate.offer(() => 'frame1')).toBe('written');
    let rendered = 0;
    const frame2 = (): string => {
      rendered++;
      return 'frame2';
    };
    expect(gate.offer(frame2)).toBe('skipped-busy');
    expect(gate.offer(frame2)).toBe('skipped-busy');
    expect(rendered).toBe(0);
    expect(stream.chunks).toEqual(['frame1']);
    stream.full = false;
    stream.emit('drain');
    expect(drained).toBe(1);
    expect(gate.offer(() => 'frame4')).toBe('written');
    expect(stream.chunks).toEqual(['frame1', 'frame4']);
    expect(gate.stats).toMatchObject({ written: 2, skipped: 2 });
  });

  it("waits for someone else's pending drain too (writableNeedDrain)", () => {
    const stream = Object.assign(new SlowStream(), { writableNeedDrain: true });
    const gate = new WriteGate(stream);
    expect(gate.offer(() => 'x')).toBe('skipped-busy');
    stream.writableNeedDrain = false;
    stream.emit('drain');
    expect(gate.offer(() => 'x')).toBe('written');
  });

  it('caps the rate with an injected clock; forced draws ignore the cap; empty frames write nothing', () => {
    const stream = new SlowStream();
    let t = 0;
    const gate = new WriteGate(stream, { now: () => t, minIntervalMs: 20 });
    expect(gate.offer(() => 'a')).toBe('written');
    t = 10;
    expect(gate.offer(() => 'b')).toBe('skipped-rate');
    expect(gate.offer(() => 'c', true)).toBe('written');
    t = 40;
    expect(gate.offer(() => '')).toBe('empty');
    expect(stream.chunks).toEqual(['a', 'c']);
  });
});
