/**
 * Two real werift PeerLinks in one process, every packet on 127.0.0.1, signals wired directly
 * (through an async hop, like a server would).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ChatChannel } from '../../src/peer/chat-channel.js';
import { PeerLink, type PeerLinkEvents, type PeerLinkOptions } from '../../src/peer/peer-link.js';
import type { Role, SignalData } from '../../src/signaling/protocol.js';
import { nextEvent as next } from '../helpers/next-event.js';

/** The "server" between the two links: calls `deliver` (later, maybe with altered data) for each signal. */
type Wire = (data: SignalData, deliver: (data: SignalData) => void, from: Role) => void;
/** Delivers each signal on a later macrotask, in order. */
const asyncHop: Wire = (data, deliver) => void setImmediate(() => deliver(data));

const nextEvent = <K extends keyof PeerLinkEvents & string>(link: PeerLink, event: K) =>
  next<PeerLinkEvents, K>(link, event);

const links: PeerLink[] = [];
afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.close()));
});

function makeLink(opts: Partial<PeerLinkOptions> & Pick<PeerLinkOptions, 'role' | 'sendSignal'>): PeerLink {
  const link = new PeerLink({ iceServers: [], loopbackOnly: true, ...opts });
  links.push(link);
  return link;
}

/** Builds an offerer/answerer pair whose signals go through `wire` (both directions). */
function pair(wire: Wire = asyncHop, extra: Partial<PeerLinkOptions> = {}) {
  const sent: { from: 'offerer' | 'answerer'; data: SignalData }[] = [];
  const offerer: PeerLink = makeLink({
    ...extra,
    role: 'offerer',
    sendSignal: (data) => {
      sent.push({ from: 'offerer', data });
      wire(data, (d) => void answerer.handleRemoteSignal(d), 'offerer');
    },
  });
  const answerer: PeerLink = makeLink({
    ...extra,
    role: 'answerer',
    sendSignal: (data) => {
      sent.push({ from: 'answerer', data });
      wire(data, (d) => void offerer.handleRemoteSignal(d), 'answerer');
    },
  });
  return { offerer, answerer, sent };
}

async function connect(p: ReturnType<typeof pair>, label: string): Promise<number> {
  const t0 = performance.now();
  const opened = Promise.all([nextEvent(p.offerer, 'open'), nextEvent(p.answerer, 'open')]);
  await Promise.all([p.answerer.start(), p.offerer.start()]);
  await opened;
  const ms = performance.now() - t0;
  console.error(`[peer-link e2e] ${label}: both data channels open after ${ms.toFixed(0)} ms`);
  return ms;
}

const CANDIDATE_LINES = /^a=(candidate|end-of-candidates).*\r?\n/gm;

describe('PeerLink (werift, loopback)', () => {
  it('opens on both sides over a host candidate and carries messages both ways', async () => {
    const p = pair();
    expect(p.offerer.isOpen).toBe(false);
    expect(p.offerer.send('too early')).toBe(false);
    await connect(p, 'plain');

    expect(p.offerer.isOpen && p.answerer.isOpen).toBe(true);
    expect(p.offerer.candidateType()).toBe('host');
    expect(p.answerer.candidateType()).toBe('host');

    const atAnswerer = nextEvent(p.answerer, 'message');
    expect(p.offerer.send('hello from the offerer')).toBe(true);
    expect(await atAnswerer).toEqual(['hello from the offerer']);
    const atOfferer = nextEvent(p.offerer, 'message');
    expect(p.answerer.send('hi from the answerer 🎉')).toBe(true);
    expect(await atOfferer).toEqual(['hi from the answerer 🎉']);

    // trickle: the description first, then candidates, then end-of-candidates, from each side
    for (const from of ['offerer', 'answerer'] as const) {
      const kinds = p.sent.filter((s) => s.from === from).map((s) => s.data.kind);
      expect(kinds[0]).toBe('description');
      expect(kinds).toContain('candidate');
      expect(kinds.at(-1)).toBe('end-of-candidates');
    }
    // every candidate is a loopback one
    for (const { data } of p.sent) {
      if (data.kind === 'candidate') expect(data.candidate).toMatch(/ 127\.0\.0\.1 \d+ typ host/);
    }
  });

  it('buffers candidates that arrive before the remote description', async () => {
    // The "server" strips candidates out of the SDP (so only trickled ones can connect) and holds each
    // description until that side's end-of-candidates went through: every candidate arrives first.
    const held: (() => void)[] = [];
    const wire: Wire = (data, deliver) => {
      if (data.kind === 'description') {
        const stripped = { ...data, sdp: data.sdp.replace(CANDIDATE_LINES, '') };
        held.push(() => setImmediate(() => deliver(stripped)));
        return;
      }
      setImmediate(() => {
        deliver(data);
        if (data.kind === 'end-of-candidates') held.shift()?.();
      });
    };
    const delivered: Record<Role, string[]> = { offerer: [], answerer: [] };
    const p = pair((data, deliver, from) =>
      wire(data, (d) => (delivered[from].push(d.kind), deliver(d)), from),
    );
    await connect(p, 'candidates before description');
    // the scenario really happened: each side got every candidate before the description
    for (const kinds of Object.values(delivered)) {
      expect(kinds[0]).toBe('candidate');
      expect(kinds.at(-1)).toBe('description');
    }
    expect(p.offerer.candidateType()).toBe('host');
    const got = nextEvent(p.offerer, 'message');
    p.answerer.send('made it');
    expect(await got).toEqual(['made it']);
  });

  it('reports a closed partner through the data channel, and a new pair can be built after', async () => {
    const first = pair();
    await connect(first, 'before close');
    const closed = nextEvent(first.answerer, 'close');
    const offererClosed = first.offerer.close();
    const [reason] = await closed;
    expect(reason).toMatch(/closed/);
    expect(first.answerer.isOpen).toBe(false);
    await offererClosed;
    await first.answerer.close();

    // rebuild: a fresh pair (what the session does after /reconnect or a lost partner)
    const second = pair();
    await connect(second, 'rebuilt pair');
    const got = nextEvent(second.answerer, 'message');
    second.offerer.send('again');
    expect(await got).toEqual(['again']);
  });

  it('carries a burst of chat messages in order through one channel (ChatChannel on top)', async () => {
    const p = pair();
    await connect(p, 'chat burst');
    const a = new ChatChannel();
    const b = new ChatChannel();
    p.offerer.on('message', (t) => a.receive(t));
    p.answerer.on('message', (t) => b.receive(t));
    a.attach({ send: (t) => p.offerer.send(t) });
    b.attach({ send: (t) => p.answerer.send(t) });
    const texts = Array.from({ length: 200 }, (_, i) => `${i}: ${'é😀'.repeat(300)}`);
    const received: string[] = [];
    const all = new Promise<void>((resolve) =>
      b.on('message', ({ text }) => {
        received.push(text);
        if (received.length === texts.length) resolve();
      }),
    );
    const delivered = new Promise<void>((resolve) =>
      a.on('delivered', () => a.pending().length === 0 && resolve()),
    );
    for (const t of texts) a.send(t);
    await Promise.all([all, delivered]);
    expect(received).toEqual(texts);
    a.close();
    b.close();
  });

  it('calls prepare once on each side, before its local description exists (room for media)', async () => {
    const calls: { hadLocal: boolean; hadRemote: boolean }[] = [];
    const p = pair(asyncHop, {
      prepare: (pc) =>
        void calls.push({ hadLocal: !!pc.localDescription, hadRemote: !!pc.remoteDescription }),
    });
    await connect(p, 'with prepare hook');
    expect(calls).toEqual([
      { hadLocal: false, hadRemote: false }, // offerer, before createOffer
      { hadLocal: false, hadRemote: true }, // answerer, after the offer, before createAnswer
    ]);
  });

  it('fails with ERR_PEER_TIMEOUT when no offer ever comes', async () => {
    const link = makeLink({ role: 'answerer', sendSignal: () => {}, connectTimeoutMs: 200 });
    const failed = nextEvent(link, 'failed');
    await link.start();
    const [err] = await failed;
    expect(err.code).toBe('ERR_PEER_TIMEOUT');
  });

  it('fails with ERR_PEER_FAILED on a bad or unexpected description, without throwing', async () => {
    const bad = makeLink({ role: 'answerer', sendSignal: () => {} });
    const failed = nextEvent(bad, 'failed');
    await expect(
      bad.handleRemoteSignal({ kind: 'description', type: 'offer', sdp: 'v=0\r\nthis is not sdp' }),
    ).resolves.toBeUndefined();
    expect((await failed)[0].code).toBe('ERR_PEER_FAILED');

    const wrongType = makeLink({ role: 'answerer', sendSignal: () => {} });
    const failed2 = nextEvent(wrongType, 'failed');
    await wrongType.handleRemoteSignal({ kind: 'description', type: 'answer', sdp: 'v=0' });
    expect((await failed2)[0].code).toBe('ERR_PEER_FAILED');
  });

  it('shrugs off a bad candidate and still connects', async () => {
    const p = pair();
    void p.answerer.handleRemoteSignal({
      kind: 'candidate',
      candidate: 'garbage',
      sdpMid: '0',
      sdpMLineIndex: 0,
    });
    void p.answerer.handleRemoteSignal({
      kind: 'candidate',
      candidate: 'candidate:1 1 udp 2116026367 192.0.2.99 9 typ host',
      sdpMid: '0',
      sdpMLineIndex: 0,
    });
    await connect(p, 'with bad candidates');
    expect(p.answerer.isOpen).toBe(true);
  });

  it('close() is idempotent, silent, and makes send() return false', async () => {
    const p = pair();
    await connect(p, 'close twice');
    let events = 0;
    for (const e of ['close', 'failed', 'message', 'open'] as const) p.offerer.on(e, () => events++);
    await Promise.all([p.offerer.close(), p.offerer.close()]);
    await p.offerer.close();
    expect(p.offerer.send('x')).toBe(false);
    expect(p.offerer.isOpen).toBe(false);
    expect(events).toBe(0);
  });
});
