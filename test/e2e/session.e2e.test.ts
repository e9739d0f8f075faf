/**
 * The session core end to end: the real signaling server on port 0, real werift peers over
 * loopback, real sockets (cut through a TCP proxy where a test needs a network failure).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { Session, type SessionOptions } from '../../src/peer/session.js';
import { startServer, type RunningServer } from '../../src/signaling/server/server.js';
import { EventLog } from '../helpers/session-events.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function server(opts: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  const s = await startServer({ host: '127.0.0.1', port: 0, ...opts });
  cleanups.push(() => s.close());
  return s;
}

function session(
  url: string,
  label: string,
  opts: Partial<SessionOptions> = {},
): { s: Session; log: EventLog } {
  const s = new Session({ serverUrl: url, loopbackOnly: true, ...opts });
  const log = new EventLog(s, label);
  cleanups.push(async () => {
    await s.stop();
    log.dispose();
  });
  return { s, log };
}

/** Starts two sessions and waits until both have an open chat channel with each other. */
async function connectedPair(url: string, opts: Partial<SessionOptions> = {}) {
  const a = session(url, 'a', opts);
  const b = session(url, 'b', opts);
  await Promise.all([a.s.start(), b.s.start()]);
  const [ca, cb] = await Promise.all([a.log.waitFor('connected'), b.log.waitFor('connected')]);
  expect(ca.matchId).toBe(cb.matchId);
  return { a, b, matchId: ca.matchId };
}

describe('session core over the real server', () => {
  it('matches two strangers and chats both ways with delivery acks and typing', async () => {
    const srv = await server();
    const a = session(srv.url, 'a');
    const b = session(srv.url, 'b');
    await Promise.all([a.s.start(), b.s.start()]);
    const [ma, mb] = await Promise.all([a.log.waitFor('matched'), b.log.waitFor('matched')]);
    expect(ma.matchId).toBe(mb.matchId);
    expect(new Set([ma.role, mb.role])).toEqual(new Set(['offerer', 'answerer']));

    // Typed while the channel is still opening: queued, then delivered in order.
    const early = [a.s.send('first'), a.s.send('second')];
    const sent = a.log.of('sent');
    expect(sent.map((x) => x.queued)).toEqual([true, true]);

    const [ca] = await Promise.all([a.log.waitFor('connected'), b.log.waitFor('connected')]);
    expect(ca.candidateType).toBe('host');
    expect(ca.setupMs).toBeGreaterThan(0);
    expect(a.s.state).toBe('connected');

    await b.log.waitFor('message', (m) => m.text === 'second');
    expect(b.log.of('message').map((m) => m.text)).toEqual(['first', 'second']);
    for (const id of early) await a.log.waitFor('delivered', (d) => d.id === id);

    const reply = b.s.send('hello back');
    await a.log.waitFor('message', (m) => m.text === 'hello back');
    await b.log.waitFor('delivered', (d) => d.id === reply);

    a.s.typing();
    await b.log.waitFor('typing');
  });

  it('sanitises what the stranger sends and refuses over-long or empty messages', async () => {
    const srv = await server();
    const { a, b } = await connectedPair(srv.url);
    a.s.send('\u001b]0;pwned\u0007hi\u001b[2J \u202Ethere');
    const got = await b.log.waitFor('message');
    expect(got.text).toBe('hi there');
    expect(() => a.s.send('x'.repeat(1001))).toThrow(
      expect.objectContaining({ code: ErrorCodes.MESSAGE_TOO_LONG }),
    );
    expect(() => a.s.send('   ')).toThrow(expect.objectContaining({ code: ErrorCodes.EMPTY_MESSAGE }));
  });

  it('/next tells the partner, and rematches with the stranger who was waiting', async () => {
    const srv = await server();
    const { a, b } = await connectedPair(srv.url);
    const c = session(srv.url, 'c');
    await c.s.start();
    await c.log.waitFor('state', (s) => s.state === 'searching');

    const before = a.log.mark();
    a.s.next();
    const left = await b.log.waitFor('partner-left');
    expect(left.reason).toBe('skipped');
    expect(b.s.state).toBe('idle');

    // a is rematched at once; the only other waiting stranger is c (never straight back to b).
    const [ac, cc] = await Promise.all([
      a.log.waitFor('connected', () => true, { from: before }),
      c.log.waitFor('connected'),
    ]);
    expect(ac.matchId).toBe(cc.matchId);
    const id = c.s.send('hi a');
    await a.log.waitFor('message', (m) => m.id === id);
  });

  it('reports messages the stranger never received when they leave first', async () => {
    const srv = await server();
    const a = session(srv.url, 'a');
    const b = session(srv.url, 'b');
    await Promise.all([a.s.start(), b.s.start()]);
    await a.log.waitFor('matched');
    // b leaves before the channel opens: a's queued message can never be delivered.
    const id = a.s.send('are you there?');
    await b.s.stop();
    const lost = await a.log.waitFor('undelivered');
    expect(lost.ids).toContain(id);
    await a.log.waitFor('partner-left');
  });

  it('/reconnect after the WebSocket is cut: resumes with the token and rebuilds the peer connection', async () => {
    const srv = await server({ graceMs: 10_000 });
    const proxy = await TcpProxy.start(srv.port);
    cleanups.push(() => proxy.close());
    const a = session(proxy.url, 'a');
    const b = session(srv.url, 'b');
    await Promise.all([a.s.start(), b.s.start()]);
    const [ca] = await Promise.all([a.log.waitFor('connected'), b.log.waitFor('connected')]);

    const mark = a.log.mark();
    const bMark = b.log.mark();
    proxy.cutAll();
    await a.log.waitFor('signaling', (s) => !s.up, { from: mark });
    await b.log.waitFor('reconnecting', (r) => r.who === 'partner', { from: bMark });

    await a.s.reconnect();
    await a.log.waitFor('signaling', (s) => s.up, { from: mark });
    await b.log.waitFor('resumed', (r) => r.who === 'partner', { from: bMark });
    const again = await a.log.waitFor('connected', () => true, { from: mark });
    expect(again.matchId).toBe(ca.matchId);
    await b.log.waitFor('connected', () => true, { from: bMark });

    const id = b.s.send('still here');
    await a.log.waitFor('message', (m) => m.id === id && m.text === 'still here');
  });

  it('keeps the partner through a signaling drop inside the grace window, and loses them after it', async () => {
    const srv = await server({ graceMs: 1500 });
    const proxy = await TcpProxy.start(srv.port);
    cleanups.push(() => proxy.close());
    const a = session(proxy.url, 'a');
    const b = session(srv.url, 'b');
    await Promise.all([a.s.start(), b.s.start()]);
    await Promise.all([a.log.waitFor('connected'), b.log.waitFor('connected')]);

    // Within grace: a's client comes back by itself (backoff) with its resume token.
    let bMark = b.log.mark();
    proxy.cutAll();
    await b.log.waitFor('reconnecting', (r) => r.who === 'partner', { from: bMark });
    await b.log.waitFor('resumed', (r) => r.who === 'partner', { from: bMark });
    expect(b.s.state).toBe('connected');

    // Past grace: a cannot come back, b is told its partner is gone.
    bMark = b.log.mark();
    proxy.refuse(true);
    proxy.cutAll();
    await b.log.waitFor('reconnecting', (r) => r.who === 'partner', { from: bMark });
    const left = await b.log.waitFor('partner-left', () => true, { from: bMark });
    expect(left.reason).toBe('disconnected');
  });

  it('notices a signaling socket that went silent (pong watchdog), while the chat goes on', async () => {
    const srv = await server({ graceMs: 10_000 });
    const proxy = await TcpProxy.start(srv.port);
    cleanups.push(() => proxy.close());
    const a = session(proxy.url, 'a', { signalingPingMs: 200 });
    const b = session(srv.url, 'b');
    await Promise.all([a.s.start(), b.s.start()]);
    await Promise.all([a.log.waitFor('connected'), b.log.waitFor('connected')]);

    const mark = a.log.mark();
    proxy.silenceLive(); // no close, no error: the bytes just stop
    await a.log.waitFor('signaling', (s) => !s.up, { from: mark });
    const id = b.s.send('p2p does not care');
    await a.log.waitFor('message', (m) => m.id === id);

    // The watchdog dropped the dead socket; a fresh one resumes the session.
    await a.log.waitFor('signaling', (s) => s.up, { from: mark });
    expect(a.s.state).toBe('connected');
  });

  it('stop() while still connecting ends quietly, without an error', async () => {
    const srv = await server();
    const a = session(srv.url, 'a');
    const starting = a.s.start();
    await a.s.stop();
    await starting;
    expect(a.s.state).toBe('closed');
    expect(a.log.of('error')).toEqual([]);
  });

  it('fails start() with ERR_SIGNALING_UNREACHABLE when nothing listens', async () => {
    const srv = await server();
    const url = srv.url;
    await srv.close();
    const a = session(url, 'a');
    await expect(a.s.start()).rejects.toMatchObject({ code: ErrorCodes.SIGNALING_UNREACHABLE, exitCode: 3 });
    expect(a.s.state).toBe('closed');
  });

  it('refuses a protocol version it does not speak with a coded error', async () => {
    const { WebSocket } = await import('ws');
    const srv = await server();
    const ws = new WebSocket(srv.url);
    cleanups.push(() => ws.terminate());
    const reply = await new Promise<string>((resolve) => {
      ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', v: 999 })));
      ws.on('message', (d) => resolve(d.toString()));
    });
    expect(JSON.parse(reply)).toMatchObject({ type: 'error', code: ErrorCodes.VERSION_MISMATCH });
  });
});
