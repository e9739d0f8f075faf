import { EventEmitter } from 'node:events';
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/cli/ui/app.js';
import { computeVideoLayout } from '../../src/cli/ui/video-layout.js';
import { VideoPane } from '../../src/cli/ui/video-pane.js';
import { initialView, reduceView, type ViewState } from '../../src/cli/ui/view-model.js';
import { parseInput } from '../../src/cli/ui/slash.js';
import { StatusLine } from '../../src/cli/ui/status-line.js';
import type { RgbFrame } from '../../src/media/render/frame.js';
import { FakeSession } from '../helpers/fake-session.js';

afterEach(() => cleanup());

/** A terminal stand-in: size, resize events, and writes that can be made to back up. */
class FakeTty extends EventEmitter {
  columns = 100;
  rows = 30;
  writes: string[] = [];
  full = false;
  write(s: string): boolean {
    this.writes.push(s);
    return !this.full;
  }
  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

const solid = (w: number, h: number, rgb: [number, number, number]): RgbFrame => ({
  width: w,
  height: h,
  data: Buffer.alloc(w * h * 3).fill(Buffer.from(rgb)),
});

function makePane(tty: FakeTty, t = { now: 0 }) {
  const timers: (() => void)[] = [];
  const pane = new VideoPane({
    stdout: tty,
    mode: 'truecolor',
    now: () => t.now,
    setTimer: (cb) => {
      timers.push(cb);
      return () => undefined;
    },
  });
  return { pane, timers };
}

describe('video layout', () => {
  it.each<[number, number, number, boolean]>([
    [100, 30, 18, true],
    [80, 24, 14, true],
    [200, 60, 36, true],
    [80, 11, 0, false],
    [12, 40, 0, false],
  ])('%i×%i → pane of %i rows (self-view %s)', (cols, rows, paneRows, hasSelf) => {
    const layout = computeVideoLayout(cols, rows, true);
    expect(layout.paneRows).toBe(paneRows);
    expect(layout.self !== null).toBe(hasSelf);
    if (layout.self) {
      expect(layout.self.col + layout.self.cols).toBeLessThan(cols);
      expect(layout.self.row + layout.self.rows).toBe(paneRows);
    }
    expect(computeVideoLayout(cols, rows, false).self).toBeNull();
  });
});

describe('VideoPane', () => {
  it('reserves the top rows: scroll region below the pane, cursor moved under it', () => {
    const tty = new FakeTty();
    const { pane } = makePane(tty);
    expect(pane.reservedRows).toBe(18);
    expect(pane.paneSize).toEqual({ cols: 100, rows: 18, pixelWidth: 100, pixelHeight: 36 });
    const all = tty.writes.join('');
    expect(all).toContain('\x1b7\x1b[19;30r\x1b8');
    expect(tty.writes.at(-1)).toBe('\x1b[19;1H');
    expect(all).toContain(' no video ');
  });

  it('draws pushed frames and skips frames while the terminal is still draining', () => {
    const tty = new FakeTty();
    const t = { now: 0 };
    const { pane } = makePane(tty, t);
    tty.writes = [];
    tty.full = true;
    t.now = 100;
    pane.pushRemote(solid(100, 36, [255, 0, 0]));
    expect(tty.writes.join('')).toContain('48;2;255;0;0m');
    t.now = 140;
    pane.pushRemote(solid(100, 36, [0, 255, 0]));
    expect(tty.writes).toHaveLength(1);
    expect(pane.stats.framesSkipped).toBe(1);
    tty.full = false;
    tty.emit('drain');
    t.now = 180;
    pane.pushRemote(solid(100, 36, [0, 0, 255]));
    expect(tty.writes.at(-1)).toContain('48;2;0;0;255m');
  });

  it('follows resizes: new size to the pipeline, scroll region re-sent, subscribers told', () => {
    const tty = new FakeTty();
    const { pane, timers } = makePane(tty);
    const sizes: unknown[] = [];
    let told = 0;
    pane.onResize((s) => sizes.push(s));
    pane.subscribe(() => told++);
    tty.writes = [];
    tty.resize(80, 24);
    expect(sizes).toEqual([{ cols: 80, rows: 14, pixelWidth: 80, pixelHeight: 28 }]);
    expect(told).toBe(1);
    expect(tty.writes.join('')).toContain('\x1b7\x1b[15;24r\x1b8');
    expect(timers).toHaveLength(1);
  });

  it('hides, toggles the self-view, overlays text, and gives everything back on close', () => {
    const tty = new FakeTty();
    const t = { now: 0 };
    const { pane } = makePane(tty, t);
    t.now = 100;
    pane.pushSelf(solid(4, 3, [255, 128, 0]));
    expect(tty.writes.join('')).toContain('255;128;0');
    expect(pane.toggleSelfView()).toBe(false);
    pane.setPaused('Stranger paused video');
    expect(tty.writes.at(-1)).toContain(' Stranger paus');
    pane.setVisible(false);
    expect(pane.reservedRows).toBe(0);
    expect(tty.writes.at(-1)).toBe('\x1b7\x1b[r\x1b8');
    pane.setVisible(true);
    tty.writes = [];
    pane.close();
    expect(tty.writes.at(-1)).toBe('\x1b7\x1b[r\x1b8');
    expect(tty.listenerCount('resize')).toBe(0);
    pane.pushRemote(solid(2, 2, [1, 2, 3]));
    expect(tty.writes.at(-1)).toBe('\x1b7\x1b[r\x1b8');
  });
});

describe('media in the view model and status line', () => {
  const connected = (): ViewState => ({ ...initialView(), sessionState: 'connected' });
  const media = (video: boolean, audio: boolean) =>
    ({ type: 'session', event: { name: 'partner-media', data: { video, audio } }, now: 0 }) as const;

  it('tracks the stranger camera and microphone, reset for the next stranger', () => {
    let s = reduceView(connected(), media(false, true));
    expect(s.partnerMedia).toEqual({ video: false, audio: true });
    expect(reduceView(s, media(false, true))).toBe(s);
    s = reduceView(s, media(true, false));
    expect(s.partnerMedia).toEqual({ video: true, audio: false });
    s = reduceView(s, {
      type: 'session',
      event: { name: 'partner-left', data: { matchId: 'm', reason: 'left' } },
      now: 0,
    });
    expect(s.partnerMedia).toEqual({ video: true, audio: true });
  });

  it('shows "Stranger paused video" / "Stranger muted" while connected', () => {
    const base = {
      sessionState: 'connected' as const,
      interests: [],
      candidateType: null,
      rttMs: null,
      signalingDown: false,
      partnerReconnecting: false,
      selfReconnecting: false,
    };
    const frame = render(<StatusLine {...base} partnerMedia={{ video: false, audio: false }} />).lastFrame();
    expect(frame).toContain('Stranger paused video · Stranger muted');
    const on = render(<StatusLine {...base} partnerMedia={{ video: true, audio: true }} />).lastFrame();
    expect(on).not.toContain('Stranger');
  });

  it.each([
    ['/video on', { kind: 'command', name: 'video', arg: 'on' }],
    ['/video OFF', { kind: 'command', name: 'video', arg: 'off' }],
    ['/video', { kind: 'command', name: 'video' }],
    ['/mute', { kind: 'command', name: 'mute' }],
    ['/self', { kind: 'command', name: 'self' }],
  ])('parses %j', (value, expected) => {
    expect(parseInput(value)).toEqual(expected);
  });
});

describe('App media commands', () => {
  const tick = () => new Promise((r) => setTimeout(r, 20));
  async function submit(stdin: { write: (s: string) => void }, text: string): Promise<void> {
    stdin.write(text);
    await tick();
    stdin.write('\r');
    await tick();
  }

  it('calls setVideo/setMuted when the session has them, and drives the pane', async () => {
    const session = Object.assign(new FakeSession(), {
      media: [] as string[],
      setVideo(on: boolean) {
        this.media.push(`video:${on}`);
      },
      setMuted(m: boolean) {
        this.media.push(`muted:${m}`);
        return Promise.resolve();
      },
    });
    const video = { calls: [] as string[], self: true };
    const controls = {
      setVisible: (on: boolean) => video.calls.push(`visible:${on}`),
      toggleSelfView: () => (video.self = !video.self),
      setPaused: (text: string | null) => video.calls.push(`paused:${text}`),
    };
    const ui = render(<App session={session} onQuit={() => undefined} video={controls} reservedRows={5} />);
    await tick();
    await submit(ui.stdin, '/video off');
    await submit(ui.stdin, '/mute');
    await submit(ui.stdin, '/self');
    expect(session.media).toEqual(['video:false', 'muted:true']);
    expect(video.calls).toContain('visible:false');
    const frame = ui.lastFrame() ?? '';
    expect(frame).toContain('Video off.');
    expect(frame).toContain('Microphone muted.');
    expect(frame).toContain('Self-view off.');
  });

  it('says so when the session has no media commands and there is no pane', async () => {
    const ui = render(<App session={new FakeSession()} onQuit={() => undefined} />);
    await tick();
    await submit(ui.stdin, '/video on');
    await submit(ui.stdin, '/mute');
    await submit(ui.stdin, '/video maybe');
    const frame = ui.lastFrame() ?? '';
    expect(frame).toContain('Video is not available in this session.');
    expect(frame).toContain('Audio is not available in this session.');
    expect(frame).toContain('Usage: /video on, /video off');
  });
});
