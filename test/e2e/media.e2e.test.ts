/**
 * The media pipeline end to end: real ffmpeg encoders/decoders, real werift peers, the real
 * signaling server on port 0, everything on 127.0.0.1. The sender's test pattern carries a frame
 * counter and a send timestamp that the receiver decodes back from the pixels.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { MediaOptions } from '../../src/media/pipeline/media-types.js';
import { Session } from '../../src/peer/session.js';
import { startServer, type RunningServer } from '../../src/signaling/server/server.js';
import { readStamp } from '../../src/media/pipeline/test-pattern.js';
import type { RgbFrame } from '../../src/media/render/frame.js';
import { FrameLog, requireFfmpegOrSkip, testMedia } from '../helpers/media.js';
import { EventLog } from '../helpers/session-events.js';

const FFMPEG = requireFfmpegOrSkip('the media end-to-end tests');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function server(): Promise<RunningServer> {
  const s = await startServer({ host: '127.0.0.1', port: 0 });
  cleanups.push(() => s.close());
  return s;
}

function session(url: string, label: string, media?: MediaOptions) {
  const s = new Session({ serverUrl: url, loopbackOnly: true, ...(media ? { media } : {}) });
  const log = new EventLog(s, label);
  const frames = new FrameLog(s);
  cleanups.push(async () => {
    await s.stop();
    frames.dispose();
    log.dispose();
  });
  return { s, log, frames };
}

async function pair(url: string, a: MediaOptions | undefined, b: MediaOptions | undefined) {
  const A = session(url, 'a', a);
  const B = session(url, 'b', b);
  await Promise.all([A.s.start(), B.s.start()]);
  await Promise.all([A.log.waitFor('connected'), B.log.waitFor('connected')]);
  return { A, B };
}

const increasing = (xs: number[]): boolean => xs.every((x, i) => i === 0 || x > xs[i - 1]!);

describe.skipIf(!FFMPEG)('media over the real server', () => {
  const ff = FFMPEG ?? '';

  it('sends test video and a tone both ways: frames of the right size, counter increasing, tone detected', async () => {
    const srv = await server();
    const { A, B } = await pair(
      srv.url,
      testMedia(ff),
      testMedia(ff, { audio: { kind: 'tone', frequency: 440 } }),
    );
    for (const side of [A, B]) {
      const stamped = await side.frames.stamped(20);
      expect(stamped[0]!.width).toBe(320);
      expect(stamped[0]!.height).toBe(240);
      expect(increasing(stamped.map((f) => f.stamp!.counter))).toBe(true);
      const first = await side.log.waitFor('first-frame');
      expect(first.width).toBe(320);
    }
    // A hears B's 440 Hz, B hears A's 1000 Hz.
    const toneA = await A.log.waitFor('media-stats', (s) => s.toneHz !== null);
    const toneB = await B.log.waitFor('media-stats', (s) => s.toneHz !== null);
    expect(Math.abs(toneA.toneHz! - 440)).toBeLessThan(10);
    expect(Math.abs(toneB.toneHz! - 1000)).toBeLessThan(15);
    const stats = await A.log.waitFor('media-stats', (s) => s.fps > 10);
    expect(stats.latencyMs).not.toBeNull();
    expect(stats.audioLevelDb).not.toBeNull();
  });

  it('/next moves media to the new stranger and stops every ffmpeg child of the old match', async () => {
    const srv = await server();
    const { A, B } = await pair(srv.url, testMedia(ff), testMedia(ff));
    await A.frames.stamped(5);
    const oldPids = [A.s.media!.videoSender!.encoderPid, A.s.media!.videoReceiver.decoderPid];
    expect(oldPids.every((p) => typeof p === 'number')).toBe(true);
    const C = session(srv.url, 'c', testMedia(ff));
    await C.s.start();
    const from = A.frames.mark();
    const matchedFrom = A.log.mark();
    A.s.next();
    B.s.stop().catch(() => undefined);
    const m = await A.log.waitFor('matched', () => true, { from: matchedFrom });
    await C.log.waitFor('matched', (x) => x.matchId === m.matchId);
    const fresh = await A.frames.stamped(10, from);
    expect(increasing(fresh.map((f) => f.stamp!.counter))).toBe(true);
    await C.frames.stamped(5);
    await A.log.waitFor('media-stats', () => oldPids.every((pid) => !alive(pid!)), { from: matchedFrom });
  });

  it('/reconnect moves the media to the rebuilt peer connection', async () => {
    const srv = await server();
    const { A, B } = await pair(srv.url, testMedia(ff), testMedia(ff));
    await B.frames.stamped(5);
    const mark = A.log.mark();
    const from = B.frames.mark();
    await A.s.reconnect();
    await A.log.waitFor('resumed', (r) => r.who === 'self', { from: mark });
    const fresh = await B.frames.stamped(10, from);
    expect(increasing(fresh.map((f) => f.stamp!.counter))).toBe(true);
    await A.frames.stamped(5, A.frames.mark());
  });

  it('setVideo(false) stops the frames and tells the stranger; setVideo(true) brings them back', async () => {
    const srv = await server();
    const { A, B } = await pair(srv.url, testMedia(ff), testMedia(ff));
    await B.frames.stamped(5);
    const mark = B.log.mark();
    A.s.setVideo(false);
    await B.log.waitFor('partner-media', (p) => !p.video && p.audio, { from: mark });
    await B.log.waitFor('media-stats', (s) => s.fps === 0, { from: B.log.mark() });
    expect(B.log.of('freeze', mark)).toEqual([]); // a paused picture is not a freeze
    A.s.setMuted(true);
    await B.log.waitFor('partner-media', (p) => !p.video && !p.audio, { from: mark });
    const back = B.frames.mark();
    A.s.setVideo(true);
    await B.log.waitFor('partner-media', (p) => p.video, { from: mark });
    await B.frames.stamped(5, back);
  });

  it('setSelfView(true) emits our own outgoing picture as self-frame; false stops it', async () => {
    const srv = await server();
    const { A } = await pair(srv.url, testMedia(ff), testMedia(ff));
    const own: RgbFrame[] = [];
    const off = A.s.on('self-frame', (f) => own.push(f));
    cleanups.push(off);
    A.s.setSelfView(true);
    await A.frames.waitFor(() => own.length >= 3, { from: A.frames.mark(), what: '3 self frames' });
    expect([own[0]!.width, own[0]!.height]).toEqual([160, 120]);
    expect(readStamp(own[0]!)).not.toBeNull(); // our test pattern, not the stranger's picture
    A.s.setSelfView(false);
    const seen = own.length;
    await A.frames.stamped(10, A.frames.mark()); // a third of a second of the stranger's frames
    expect(own.length).toBeLessThanOrEqual(seen + 1);
  });

  it('reports a killed encoder and a killed decoder (media-error) and recovers without ending the chat', async () => {
    const srv = await server();
    const { A, B } = await pair(srv.url, testMedia(ff), testMedia(ff));
    await B.frames.stamped(5);
    const encoder = A.s.media!.videoSender!.encoderPid!;
    let mark = A.log.mark();
    let fmark = B.frames.mark();
    process.kill(encoder, 'SIGKILL');
    await A.log.waitFor('media-error', (e) => e.code === 'ERR_MEDIA_ENCODER', { from: mark });
    await B.frames.stamped(5, fmark);
    const decoder = B.s.media!.videoReceiver.decoderPid!;
    mark = B.log.mark();
    fmark = B.frames.mark();
    process.kill(decoder, 'SIGKILL');
    await B.log.waitFor('media-error', (e) => e.code === 'ERR_MEDIA_DECODER', { from: mark });
    await B.frames.stamped(5, fmark);
    expect(B.s.media!.videoReceiver.decoderPid).not.toBe(decoder);
    expect(A.s.state).toBe('connected');
    expect(B.s.state).toBe('connected');
    B.s.send('still here');
    await A.log.waitFor('message', (m) => m.text === 'still here');
  });

  it('stays text-only, and says so, when ffmpeg cannot be found', async () => {
    const srv = await server();
    const { A, B } = await pair(
      srv.url,
      { ...testMedia(ff), ffmpegPath: '/nonexistent/ffmpeg' },
      testMedia(ff),
    );
    const err = await A.log.waitFor('media-error', (e) => e.code === 'ERR_NO_FFMPEG');
    expect(err.message).toMatch(/--ffmpeg \/nonexistent\/ffmpeg/);
    expect(A.s.media).toBeNull();
    await B.log.waitFor('partner-media', (p) => !p.video && !p.audio);
    A.s.send('text works');
    await B.log.waitFor('message', (m) => m.text === 'text works');
  });

  it('asks for a keyframe after injected packet loss and recovers: frames resume, counter jumps forward', async () => {
    const srv = await server();
    const { A, B } = await pair(srv.url, testMedia(ff), testMedia(ff));
    const before = await B.frames.stamped(10);
    const lastBefore = before[before.length - 1]!.stamp!.counter;
    const requests = B.s.media!.keyframeRequests;
    const restarts = A.s.media!.videoSender!.keyframeRestarts;
    const from = B.frames.mark();
    B.s.media!.dropVideoFor(300);
    const after = await B.frames.waitFor((f) => f.stamp !== null && f.stamp.counter > lastBefore + 9, {
      from,
      what: 'a frame 300 ms after the loss',
    });
    expect(after.stamp!.counter).toBeGreaterThan(lastBefore + 9);
    expect(B.s.media!.keyframeRequests).toBeGreaterThan(requests);
    expect(A.s.media!.videoSender!.keyframeRestarts).toBeGreaterThan(restarts);
    const stats = await B.log.waitFor('media-stats', (s) => s.packetsLost > 0);
    expect(stats.packetsLost).toBeGreaterThan(0);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
