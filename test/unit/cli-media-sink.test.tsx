import { EventEmitter } from 'node:events';
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/cli/ui/app.js';
import { connectVideoSink, decodeSizeFor } from '../../src/cli/ui/media-sink.js';
import { StatusLine } from '../../src/cli/ui/status-line.js';
import { VideoPane } from '../../src/cli/ui/video-pane.js';
import { initialView, reduceView, type ViewState } from '../../src/cli/ui/view-model.js';
import type { PaneSize, RgbFrame, VideoSink } from '../../src/media/render/frame.js';
import { FakeSession } from '../helpers/fake-session.js';

afterEach(() => cleanup());

const solid = (w: number, h: number, rgb: [number, number, number]): RgbFrame => ({
  width: w,
  height: h,
  data: Buffer.alloc(w * h * 3).fill(Buffer.from(rgb)),
});

/** A FakeSession with the optional media commands, recording their calls. */
function mediaSession() {
  const calls: string[] = [];
  const session = Object.assign(new FakeSession(), {
    setSelfView: (on: boolean) => void calls.push(`self:${on}`),
    setVideoSize: (s: { width: number; height: number }) => void calls.push(`size:${s.width}x${s.height}`),
  });
  return { session, calls };
}

class RecordingSink implements VideoSink {
  calls: string[] = [];
  resize: ((s: PaneSize) => void) | null = null;
  paneSize: PaneSize = { cols: 100, rows: 18, pixelWidth: 100, pixelHeight: 36 };
  pushRemote = (f: RgbFrame): void => void this.calls.push(`remote:${f.width}x${f.height}`);
  pushSelf = (f: RgbFrame): void => void this.calls.push(`self:${f.width}x${f.height}`);
  clear = (): void => void this.calls.push('clear');
  setPaused = (t: string | null): void => void this.calls.push(`paused:${t}`);
  setVisible = (on: boolean): void => void this.calls.push(`visible:${on}`);
  onResize(cb: (s: PaneSize) => void): () => void {
    this.resize = cb;
    return () => (this.resize = null);
  }
  close = (): void => undefined;
}

describe('decodeSizeFor', () => {
  it.each([
    [
      { cols: 100, rows: 18, pixelWidth: 100, pixelHeight: 36 },
      { width: 48, height: 36 },
    ],
    [
      { cols: 80, rows: 60, pixelWidth: 80, pixelHeight: 120 },
      { width: 80, height: 60 },
    ],
    [
      { cols: 201, rows: 40, pixelWidth: 402, pixelHeight: 160 },
      { width: 212, height: 158 },
    ],
    [
      { cols: 10, rows: 4, pixelWidth: 10, pixelHeight: 8 },
      { width: 32, height: 24 },
    ],
  ])('%j → %j (4:3 inside the pane, even)', (pane, size) => {
    expect(decodeSizeFor(pane)).toEqual(size);
  });
  it('is null for an empty pane', () => {
    expect(decodeSizeFor({ cols: 0, rows: 0, pixelWidth: 0, pixelHeight: 0 })).toBeNull();
  });
});

describe('connectVideoSink', () => {
  it('sends frames to the pane, sizes the decoder, starts the self-view, clears between strangers', () => {
    const { session, calls } = mediaSession();
    const sink = new RecordingSink();
    const off = connectVideoSink(session, sink, { selfView: true });
    expect(calls).toEqual(['size:48x36', 'self:true']);
    session.fire('remote-frame', solid(48, 36, [1, 2, 3]));
    session.fire('self-frame', solid(160, 120, [4, 5, 6]));
    session.fire('matched', { matchId: 'm2', role: 'offerer', interests: [] });
    session.fire('partner-left', { matchId: 'm2', reason: 'left' });
    sink.resize?.({ cols: 80, rows: 30, pixelWidth: 80, pixelHeight: 60 });
    expect(sink.calls).toEqual(['remote:48x36', 'self:160x120', 'clear', 'clear']);
    expect(calls.at(-1)).toBe('size:80x60');
    session.fire('media-error', { code: 'ERR_NO_FFMPEG', message: 'no ffmpeg' });
    expect(sink.calls.at(-1)).toBe('visible:false');
    off();
    session.fire('remote-frame', solid(48, 36, [1, 2, 3]));
    expect(sink.calls.at(-1)).toBe('visible:false');
    expect(sink.resize).toBeNull();
  });

  it('asks for no self frames when the corner starts hidden, and works with a session without media commands', () => {
    const { session, calls } = mediaSession();
    connectVideoSink(session, new RecordingSink(), { selfView: false });
    expect(calls).toContain('self:false');
    const plain = new FakeSession();
    const sink = new RecordingSink();
    connectVideoSink(plain, sink, { selfView: true });
    plain.fire('self-frame', solid(4, 3, [9, 9, 9]));
    expect(sink.calls).toEqual(['self:4x3']);
  });

  it("draws the session's self frames in the real pane's corner", () => {
    const tty = Object.assign(new EventEmitter(), {
      columns: 100,
      rows: 30,
      writes: [] as string[],
      write(s: string): boolean {
        this.writes.push(s);
        return true;
      },
    });
    const t = { now: 10_000 };
    const pane = new VideoPane({ stdout: tty, mode: 'truecolor', now: () => t.now });
    const { session, calls } = mediaSession();
    connectVideoSink(session, pane, { selfView: pane.selfView });
    expect(calls).toContain('self:true');
    tty.writes = [];
    t.now += 1000;
    session.fire('self-frame', solid(160, 120, [250, 100, 10]));
    expect(tty.writes.join('')).toContain('250;100;10');
    pane.close();
  });
});

describe('/self in the App', () => {
  const tick = () => new Promise((r) => setTimeout(r, 20));
  it('toggles the corner and the session self frames together', async () => {
    const { session, calls } = mediaSession();
    let shown = true;
    const controls = {
      setVisible: () => undefined,
      toggleSelfView: () => (shown = !shown),
      setPaused: () => undefined,
    };
    const ui = render(<App session={session} onQuit={() => undefined} video={controls} />);
    await tick();
    for (const _ of [1, 2]) {
      ui.stdin.write('/self');
      await tick();
      ui.stdin.write('\r');
      await tick();
    }
    expect(calls).toEqual(['self:false', 'self:true']);
    expect(ui.lastFrame()).toContain('Self-view on.');
  });
});

describe('recording notice and media errors in the view', () => {
  const connected = (): ViewState => ({ ...initialView(), sessionState: 'connected' });
  const ev = (event: Parameters<typeof reduceView>[1] & { type: 'session' }) => event;

  it('shows "Stranger is recording" until they stop or leave; each media error once', () => {
    let s = reduceView(
      connected(),
      ev({ type: 'session', event: { name: 'partner-recording', data: { recording: true } }, now: 0 }),
    );
    expect(s.partnerRecording).toBe(true);
    expect(s.lines.at(-1)?.text).toBe('Stranger is recording this chat.');
    const base = {
      sessionState: 'connected' as const,
      interests: [],
      candidateType: null,
      rttMs: null,
      signalingDown: false,
      partnerReconnecting: false,
      selfReconnecting: false,
    };
    expect(render(<StatusLine {...base} partnerRecording />).lastFrame()).toContain('Stranger is recording');
    s = reduceView(s, {
      type: 'session',
      event: { name: 'partner-left', data: { matchId: 'm', reason: 'left' } },
      now: 0,
    });
    expect(s.partnerRecording).toBe(false);
    const err = {
      type: 'session',
      event: { name: 'media-error', data: { code: 'ERR_MEDIA_PLAYBACK', message: 'no speakers' } },
      now: 0,
    } as const;
    const once = reduceView(s, err);
    expect(once.lines.at(-1)).toMatchObject({ kind: 'error', text: 'no speakers (ERR_MEDIA_PLAYBACK)' });
    expect(reduceView(once, err)).toBe(once);
  });
});
