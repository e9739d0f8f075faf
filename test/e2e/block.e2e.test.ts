/**
 * /block through the real Session: the block is kept in the (here in-memory) block store and, with
 * the same identity, still holds for brand-new sessions after both sides reconnect.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { Session, type BlockStore } from '../../src/peer/session.js';
import { startServer } from '../../src/signaling/server/server.js';
import { EventLog } from '../helpers/session-events.js';
import { waitUntil } from '../helpers/ws-client.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function memoryStore(identity: string): BlockStore & { list: string[] } {
  const list: string[] = [];
  return { identity, list, tags: () => [...list], add: (t) => void list.push(t) };
}

function session(url: string, label: string, blockStore?: BlockStore) {
  const s = new Session({ serverUrl: url, loopbackOnly: true, ...(blockStore ? { blockStore } : {}) });
  const log = new EventLog(s, label);
  const stop = async (): Promise<void> => {
    await s.stop();
    log.dispose();
  };
  cleanups.push(stop);
  return { s, log, stop };
}

describe('block through the session', () => {
  it('persists the stranger’s tag and keeps the two apart across new sessions', async () => {
    const srv = await startServer({ host: '127.0.0.1', port: 0, secret: 'stable-secret-for-this-test' });
    cleanups.push(() => srv.close());
    const storeA = memoryStore('identity-of-alice-000000');
    const storeB = memoryStore('identity-of-bob-00000000');

    const a = session(srv.url, 'a', storeA);
    expect(() => a.s.block()).toThrow(expect.objectContaining({ code: ErrorCodes.NO_STRANGER }));
    const b = session(srv.url, 'b', storeB);
    await Promise.all([a.s.start(), b.s.start()]);
    await Promise.all([a.log.waitFor('connected'), b.log.waitFor('connected')]);
    a.s.block();
    expect(storeA.list).toHaveLength(1);
    await b.log.waitFor('partner-left', (p) => p.reason === 'skipped');
    expect(a.s.state).toBe('searching');
    await Promise.all([a.stop(), b.stop()]);

    const a2 = session(srv.url, 'a2', storeA);
    const b2 = session(srv.url, 'b2', storeB);
    await Promise.all([a2.s.start(), b2.s.start()]);
    const c = session(srv.url, 'c');
    await c.s.start();
    const mc = await c.log.waitFor('matched');
    const others = (): { matchId: string }[] => [...a2.log.of('matched'), ...b2.log.of('matched')];
    await waitUntil(() => others().length > 0, 5000, 'c’s partner to see the match');
    expect(others().map((m) => m.matchId)).toEqual([mc.matchId]);
  });
});
