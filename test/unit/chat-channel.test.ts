import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatChannel, type ChatChannelEvents } from '../../src/peer/chat-channel.js';
import { MAX_TEXT_CHARS } from '../../src/peer/peer-message.js';
import { RandchatError } from '../../src/errors.js';

const LATENCY_MS = 20;

/**
 * One direction of an in-memory link: frames arrive at `to` after LATENCY_MS (fake timers).
 * `up = false` makes `send` return false (channel not open); `drop = true` accepts and loses frames.
 */
class Wire {
  up = true;
  drop = false;
  readonly frames: string[] = [];
  constructor(readonly to: ChatChannel) {}
  send(text: string): boolean {
    if (!this.up) return false;
    this.frames.push(text);
    if (!this.drop) setTimeout(() => this.to.receive(text), LATENCY_MS);
    return true;
  }
}

function record<K extends keyof ChatChannelEvents & string>(
  ch: ChatChannel,
  event: K,
): ChatChannelEvents[K][] {
  const seen: ChatChannelEvents[K][] = [];
  ch.on(event, (...args) => seen.push(args));
  return seen;
}

/** Attaches a ↔ b through a fresh pair of wires. */
function link(a: ChatChannel, b: ChatChannel): { ab: Wire; ba: Wire } {
  const ab = new Wire(b);
  const ba = new Wire(a);
  a.attach(ab);
  b.attach(ba);
  return { ab, ba };
}

function thrown(fn: () => unknown): RandchatError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RandchatError) return err;
    throw err;
  }
  throw new Error('did not throw');
}

let n = 0;
const ids = () => `id-${++n}`;
let a: ChatChannel;
let b: ChatChannel;

beforeEach(() => {
  vi.useFakeTimers();
  a = new ChatChannel({ newId: ids });
  b = new ChatChannel({ newId: ids });
});
afterEach(() => {
  a.close();
  b.close();
  vi.useRealTimers();
});

describe('ChatChannel messages', () => {
  it('queues messages sent before attach and flushes them in order', () => {
    const got = record(b, 'message');
    const delivered = record(a, 'delivered');
    const first = a.send('one');
    const second = a.send('two');
    expect(a.pending()).toEqual([
      { id: first, text: 'one', sent: false },
      { id: second, text: 'two', sent: false },
    ]);

    link(a, b);
    expect(a.pending().map((m) => m.sent)).toEqual([true, true]);
    vi.advanceTimersByTime(2 * LATENCY_MS);

    expect(got).toEqual([[{ id: first, text: 'one' }], [{ id: second, text: 'two' }]]);
    expect(delivered).toEqual([[{ id: first }], [{ id: second }]]);
    expect(a.pending()).toEqual([]);
  });

  it('keeps order across both directions and many messages', () => {
    const atB = record(b, 'message');
    const atA = record(a, 'message');
    link(a, b);
    for (let i = 0; i < 50; i++) {
      a.send(`a${i}`);
      b.send(`b${i}`);
    }
    vi.advanceTimersByTime(2 * LATENCY_MS);
    expect(atB.map(([m]) => m.text)).toEqual(Array.from({ length: 50 }, (_, i) => `a${i}`));
    expect(atA.map(([m]) => m.text)).toEqual(Array.from({ length: 50 }, (_, i) => `b${i}`));
    expect(a.pending()).toEqual([]);
    expect(b.pending()).toEqual([]);
  });

  it('re-sends unacknowledged messages on the next attach and the receiver emits them once', () => {
    const got = record(b, 'message');
    const delivered = record(a, 'delivered');
    const { ba } = link(a, b);
    ba.drop = true; // b gets the message but its ack is lost
    const id = a.send('hello');
    vi.advanceTimersByTime(2 * LATENCY_MS);
    expect(got).toHaveLength(1);
    expect(a.pending()).toEqual([{ id, text: 'hello', sent: true }]);

    // the peer connection is rebuilt: detach, then attach new transports
    a.detach();
    b.detach();
    expect(a.pending()).toEqual([{ id, text: 'hello', sent: true }]);
    const { ab } = link(a, b);
    expect(ab.frames.map((f) => JSON.parse(f) as unknown)).toContainEqual({ t: 'msg', id, text: 'hello' });
    vi.advanceTimersByTime(2 * LATENCY_MS);

    expect(got).toHaveLength(1); // deduped
    expect(delivered).toEqual([[{ id }]]); // acked the second time
    expect(a.pending()).toEqual([]);
  });

  it('keeps messages the transport refused, in order, for a retry on the next send or attach', () => {
    const got = record(b, 'message');
    const { ab } = link(a, b);
    ab.up = false; // channel closing
    a.send('first');
    a.send('second');
    expect(a.pending().map((m) => [m.text, m.sent])).toEqual([
      ['first', false],
      ['second', false],
    ]);
    ab.up = true;
    a.send('third'); // must not overtake the refused ones
    vi.advanceTimersByTime(2 * LATENCY_MS);
    expect(got.map(([m]) => m.text)).toEqual(['first', 'second', 'third']);

    ab.up = false;
    a.send('fourth');
    link(a, b);
    vi.advanceTimersByTime(2 * LATENCY_MS);
    expect(got.map(([m]) => m.text)).toEqual(['first', 'second', 'third', 'fourth']);
    expect(a.pending()).toEqual([]);
  });

  it('hands over undelivered messages once', () => {
    const { ab } = link(a, b);
    ab.drop = true;
    const x = a.send('lost 1');
    a.detach();
    const y = a.send('queued');
    expect(a.takeUndelivered()).toEqual([
      { id: x, text: 'lost 1', sent: true },
      { id: y, text: 'queued', sent: false },
    ]);
    expect(a.takeUndelivered()).toEqual([]);
    expect(a.pending()).toEqual([]);
  });

  it('sanitises received text and skips messages that end up empty (still acked)', () => {
    const got = record(b, 'message');
    const delivered = record(a, 'delivered');
    link(a, b);
    a.send('\u001b[2J\u001b]0;pwned\u0007hi\u202Ethere');
    a.send('\u001b[31m\u200B\u001b[0m');
    vi.advanceTimersByTime(2 * LATENCY_MS);
    expect(got.map(([m]) => m.text)).toEqual(['hithere']);
    expect(delivered).toHaveLength(2);
  });

  it('refuses empty and too-long messages without queueing them', () => {
    expect(thrown(() => a.send('')).code).toBe('ERR_EMPTY_MESSAGE');
    expect(thrown(() => a.send(' \n\t ')).code).toBe('ERR_EMPTY_MESSAGE');
    expect(thrown(() => a.send('x'.repeat(MAX_TEXT_CHARS + 1))).code).toBe('ERR_MESSAGE_TOO_LONG');
    expect(thrown(() => a.send('😀'.repeat(MAX_TEXT_CHARS + 1))).code).toBe('ERR_MESSAGE_TOO_LONG');
    expect(a.pending()).toEqual([]);
  });

  it('accepts a message at the limit, counted in code points, and delivers it whole', () => {
    const got = record(b, 'message');
    link(a, b);
    const text = '😀'.repeat(MAX_TEXT_CHARS);
    a.send(text);
    vi.advanceTimersByTime(2 * LATENCY_MS);
    expect(got[0]?.[0].text).toBe(text);
  });

  it('refuses to send after close', () => {
    a.close();
    expect(thrown(() => a.send('hi')).code).toBe('ERR_NOT_CONNECTED');
  });
});

describe('ChatChannel from an untrusted stranger', () => {
  it('reports invalid frames as protocol errors and carries on', () => {
    const errors = record(b, 'protocol-error');
    const got = record(b, 'message');
    link(a, b);
    for (const raw of ['nope', '{"t":"msg"}', '{"t":"exec"}', '[]', 'x'.repeat(10_000)]) b.receive(raw);
    b.receive('{"t":"msg","id":"ok-1","text":"still here"}');
    expect(errors).toHaveLength(5);
    for (const [err] of errors) expect(err.code).toBe('ERR_BAD_PEER_MESSAGE');
    expect(got).toEqual([[{ id: 'ok-1', text: 'still here' }]]);
  });

  it('ignores acks for unknown ids and pongs for unknown pings', () => {
    const delivered = record(a, 'delivered');
    const rtt = record(a, 'rtt');
    link(a, b);
    a.receive('{"t":"ack","id":"never-sent"}');
    a.receive('{"t":"pong","n":999}');
    expect(delivered).toEqual([]);
    expect(rtt).toEqual([]);
  });
});

describe('ChatChannel typing and bye', () => {
  it('throttles typing notices to one per 1.5 s', () => {
    const typing = record(b, 'typing');
    link(a, b);
    expect(a.typing()).toBe(true);
    expect(a.typing()).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(a.typing()).toBe(false);
    vi.advanceTimersByTime(500);
    expect(a.typing()).toBe(true);
    vi.advanceTimersByTime(LATENCY_MS);
    expect(typing).toHaveLength(2);
  });

  it('does not send typing while detached', () => {
    expect(a.typing()).toBe(false);
  });

  it('delivers bye with its reason', () => {
    const byes = record(b, 'bye');
    link(a, b);
    expect(a.bye('skipped')).toBe(true);
    vi.advanceTimersByTime(LATENCY_MS);
    expect(byes).toEqual([[{ reason: 'skipped' }]]);
  });
});

describe('ChatChannel heartbeat', () => {
  it('pings every second and measures the round trip', () => {
    const rtt = record(a, 'rtt');
    const { ab } = link(a, b);
    vi.advanceTimersByTime(999);
    expect(ab.frames).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ab.frames.map((f) => JSON.parse(f) as unknown)).toEqual([{ t: 'ping', n: 0 }]);
    vi.advanceTimersByTime(2 * LATENCY_MS);
    expect(rtt).toEqual([[2 * LATENCY_MS]]);
    expect(a.rttMs).toBe(2 * LATENCY_MS);
  });

  it('never times out while the partner answers', () => {
    const timeouts = record(a, 'timeout');
    link(a, b);
    vi.advanceTimersByTime(60_000);
    expect(timeouts).toEqual([]);
  });

  it('emits timeout once when nothing arrives for 5 s', () => {
    const timeouts = record(a, 'timeout');
    const { ba } = link(a, b);
    vi.advanceTimersByTime(2000);
    ba.drop = true; // the partner vanished without a word
    // the last frame from b (its ping sent at 2000 ms) arrived at 2000 + LATENCY_MS
    vi.advanceTimersByTime(LATENCY_MS + 5000 - 1);
    expect(timeouts).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(timeouts).toHaveLength(1);
    vi.advanceTimersByTime(30_000);
    expect(timeouts).toHaveLength(1);
  });

  it('counts any frame, even an invalid one, as a sign of life', () => {
    const timeouts = record(a, 'timeout');
    a.attach({ send: () => true }); // nobody answers pings
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(4000);
      a.receive('garbage');
    }
    expect(timeouts).toEqual([]);
    vi.advanceTimersByTime(5000);
    expect(timeouts).toHaveLength(1);
  });

  it('stops the heartbeat on detach and restarts it (with a fresh timeout) on attach', () => {
    const timeouts = record(a, 'timeout');
    const sent: string[] = [];
    a.attach({ send: (f) => (sent.push(f), true) });
    a.detach();
    vi.advanceTimersByTime(10_000);
    expect(sent).toEqual([]);
    expect(timeouts).toEqual([]);
    a.attach({ send: (f) => (sent.push(f), true) });
    vi.advanceTimersByTime(5000);
    expect(timeouts).toHaveLength(1);
    expect(sent.length).toBe(5);
  });

  it('accepts custom heartbeat and timeout periods', () => {
    const c = new ChatChannel({ heartbeatMs: 100, partnerTimeoutMs: 300 });
    const timeouts = record(c, 'timeout');
    const sent: string[] = [];
    c.attach({ send: (f) => (sent.push(f), true) });
    vi.advanceTimersByTime(300);
    expect(sent).toHaveLength(3);
    expect(timeouts).toHaveLength(1);
    c.close();
  });
});
