/**
 * NAT traversal and privacy end to end: a real coturn on 127.0.0.1, the signaling server issuing
 * per-match TURN credentials (coturn REST API), and two relay-only sessions. Every signal the
 * sessions send is captured at the server (a recording broker) to prove that nothing but relay
 * candidates — with blanked related addresses — ever leaves a relay-only client.
 */
import { networkInterfaces } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { Session, type SessionOptions } from '../../src/peer/session.js';
import type { SignalData } from '../../src/signaling/protocol.js';
import { createMemoryBroker, startServer, type ServerOptions } from '../../src/signaling/server/index.js';
import { coturnMissing, startCoturn, type Coturn } from '../helpers/coturn.js';
import { EventLog } from '../helpers/session-events.js';

const skip = coturnMissing();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** A server whose broker records every `signal` a client sends. */
async function server(opts: ServerOptions) {
  const signals: SignalData[] = [];
  const srv = await startServer({
    host: '127.0.0.1',
    port: 0,
    ...opts,
    broker: (ctx) => {
      const inner = createMemoryBroker(ctx);
      return {
        dispatch(event) {
          if (event.type === 'signal') signals.push(event.data);
          inner.dispatch(event);
        },
        stats: () => inner.stats(),
        close: () => inner.close(),
      };
    },
  });
  cleanups.push(() => srv.close());
  return { srv, signals };
}

function session(url: string, label: string, opts: Partial<SessionOptions> = {}) {
  const s = new Session({ serverUrl: url, loopbackOnly: true, relayOnly: true, ...opts });
  const log = new EventLog(s, label);
  cleanups.push(async () => {
    await s.stop();
    log.dispose();
  });
  return { s, log };
}

/** Every address of this machine other than loopback: none may appear in a relay-only signal. */
const hostAddresses = Object.values(networkInterfaces())
  .flat()
  .flatMap((i) => (i && !i.internal ? [i.address] : []));

describe.skipIf(skip)('relay-only through coturn', () => {
  let turn: Coturn;
  beforeAll(async () => {
    turn = await startCoturn();
  });
  afterAll(async () => {
    await turn?.stop();
  });

  it('chats through TURN, and no host or server-reflexive candidate leaves either client', async () => {
    const { srv, signals } = await server({ turn: [turn.url], turnSecret: turn.secret, turnTtlSec: 600 });
    const a = session(srv.url, 'a');
    const b = session(srv.url, 'b');
    await Promise.all([a.s.start(), b.s.start()]);
    const [ca, cb] = await Promise.all([a.log.waitFor('connected'), b.log.waitFor('connected')]);
    expect(ca.candidateType).toBe('relay');
    expect(cb.candidateType).toBe('relay');
    a.s.send('through the relay');
    await b.log.waitFor('message', (m) => m.text === 'through the relay');
    b.s.send('and back');
    await a.log.waitFor('message', (m) => m.text === 'and back');

    const candidates: string[] = [];
    let descriptions = 0;
    for (const sig of signals) {
      if (sig.kind === 'candidate') candidates.push(sig.candidate);
      if (sig.kind !== 'description') continue;
      descriptions++;
      candidates.push(...sig.sdp.split(/\r?\n/).filter((l) => l.startsWith('a=candidate:')));
      for (const ip of hostAddresses) expect(sig.sdp).not.toContain(ip);
    }
    expect(descriptions).toBe(2);
    expect(candidates.length).toBeGreaterThan(0);
    const [min, max] = turn.relayPorts;
    for (const c of candidates) {
      expect(c).toMatch(/ typ relay raddr 0\.0\.0\.0 rport 0( |$)/);
      expect(c).not.toMatch(/ typ (host|srflx|prflx)/);
      const port = Number(
        c
          .replace(/^a=/, '')
          .replace(/^candidate:/, '')
          .split(' ')[5],
      );
      expect(port).toBeGreaterThanOrEqual(min);
      expect(port).toBeLessThanOrEqual(max);
      for (const ip of hostAddresses) expect(c).not.toContain(ip);
    }
  });

  it.each([
    ['tampered', { turnSecret: 'not-the-coturn-secret-at-all', turnTtlSec: 600 }],
    ['expired', { turnTtlSec: -60 }],
  ])('refuses %s credentials with a coded error', async (_name, opts) => {
    const { srv } = await server({ turn: [turn.url], turnSecret: turn.secret, ...opts });
    const a = session(srv.url, 'a', { peerConnectTimeoutMs: 3000 });
    const b = session(srv.url, 'b', { peerConnectTimeoutMs: 3000 });
    await Promise.all([a.s.start(), b.s.start()]);
    const codes = [ErrorCodes.RELAY_UNAVAILABLE, ErrorCodes.PEER_FAILED, ErrorCodes.PEER_TIMEOUT] as string[];
    const [ea] = await Promise.all([
      a.log.waitFor('error', (e) => codes.includes(e.code)),
      b.log.waitFor('error', (e) => codes.includes(e.code)),
    ]);
    expect(ea.code).toBe(ErrorCodes.RELAY_UNAVAILABLE);
    expect(a.log.of('connected')).toEqual([]);
  });
});

describe('relay-only without TURN', () => {
  it('fails at once with ERR_RELAY_UNAVAILABLE instead of leaking host candidates', async () => {
    const { srv, signals } = await server({});
    const a = session(srv.url, 'a');
    const b = session(srv.url, 'b');
    await Promise.all([a.s.start(), b.s.start()]);
    const err = await a.log.waitFor('error', (e) => e.code === ErrorCodes.RELAY_UNAVAILABLE);
    expect(err.fatal).toBe(false);
    expect(signals.filter((s) => s.kind !== 'end-of-candidates')).toEqual([]);
  });
});
