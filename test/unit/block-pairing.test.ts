/**
 * Blocks in the pure matchmaker: eligibility table tests, and `block`/`report` as step events.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { step } from '../../src/signaling/server/matchmaker.js';
import { eligible, isBlocked } from '../../src/signaling/server/pairing.js';
import { seededRng } from '../../src/signaling/server/rng.js';
import {
  createMatchState,
  type ClientFacts,
  type Effect,
  type MatchState,
  type SessionRecord,
} from '../../src/signaling/server/state.js';

function rec(id: string, extra: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id,
    resumeToken: `t-${id}`,
    connected: true,
    status: 'waiting',
    interests: [],
    matchId: null,
    lastMatchId: null,
    lastPartner: null,
    waitingSince: 0,
    requeueOnResume: false,
    interestTimer: false,
    ...extra,
  };
}

describe('isBlocked / eligible', () => {
  it.each<[string, Partial<SessionRecord>, Partial<SessionRecord>, boolean]>([
    ['no blocks', {}, {}, false],
    ['x blocked y by session id', { blocked: new Set(['y']) }, {}, true],
    ['y blocked x by session id', {}, { blocked: new Set(['x']) }, true],
    ['x blocked y by identity', { blocked: new Set(['i:y']) }, { identity: 'i:y' }, true],
    [
      'a block of y’s session id does not catch y’s identity',
      { blocked: new Set(['y']) },
      { identity: 'i:y' },
      false,
    ],
    ['x blocked someone else', { blocked: new Set(['z']) }, {}, false],
  ])('%s → %s', (_name, x, y, blocked) => {
    const a = rec('x', x);
    const b = rec('y', y);
    expect(isBlocked(a, b)).toBe(blocked);
    expect(isBlocked(b, a)).toBe(blocked);
    expect(eligible(a, b, 0, 1000)).toBe(!blocked);
  });
});

/** A tiny harness: named sessions, effects as readable strings. */
function harness() {
  const st: MatchState = createMatchState({ peerTag: (o, s) => `tag(${o}→${s})` });
  const rng = seededRng(7);
  const names = new Map<string, string>();
  let conn = 0;
  let now = 0;
  const run = (e: Parameters<typeof step>[1]): Effect[] => step(st, e, now++, rng).effects;
  const hello = (name: string, facts: ClientFacts = {}): string => {
    const fx = run({ type: 'hello', conn: ++conn, interests: [], ...facts });
    const bind = fx.find((f) => f.type === 'bind');
    if (bind?.type !== 'bind') throw new Error('no bind');
    names.set(bind.session, name);
    return bind.session;
  };
  const show = (fx: Effect[]): string[] =>
    fx.flatMap((f) => {
      if (f.type === 'report') return [`report ${names.get(f.report.reported)} (${f.report.reason})`];
      if (f.type !== 'send') return [];
      const m = f.msg;
      const detail = m.type === 'error' ? `(${m.code})` : m.type === 'matched' ? `(${m.peerTag})` : '';
      return [`${names.get(f.to)} ← ${m.type}${detail}`];
    });
  return { st, run, hello, show };
}

describe('block and report events', () => {
  it('block keeps the two apart both ways until someone else comes', () => {
    const h = harness();
    const a = h.hello('A');
    const b = h.hello('B');
    h.run({ type: 'join', session: a });
    expect(h.show(h.run({ type: 'join', session: b }))).toEqual([
      'B ← queued',
      `B ← matched(tag(${b}→${a}))`,
      `A ← matched(tag(${a}→${b}))`,
    ]);
    expect(h.show(h.run({ type: 'block', session: a }))).toEqual([]);
    h.run({ type: 'next', session: a });
    expect(h.show(h.run({ type: 'join', session: b }))).toEqual(['B ← queued']);
    const c = h.hello('C');
    const fx = h.show(h.run({ type: 'join', session: c }));
    expect(fx[0]).toBe('C ← queued');
    expect(fx.filter((l) => l.includes('matched'))).toHaveLength(2);
  });

  it('identities and hello blocks carry a block into a new session', () => {
    const h = harness();
    const a = h.hello('A', { identity: 'i:a', blocked: ['i:b'] });
    const b = h.hello('B', { identity: 'i:b' });
    h.run({ type: 'join', session: a });
    expect(h.show(h.run({ type: 'join', session: b }))).toEqual(['B ← queued']);
  });

  it.each<[string, 'block' | 'report']>([
    ['block', 'block'],
    ['report', 'report'],
  ])('%s without any stranger → ERR_NO_STRANGER', (_name, type) => {
    const h = harness();
    const a = h.hello('A');
    const event = type === 'block' ? { type, session: a } : { type, session: a, reason: 'x' };
    expect(h.show(h.run(event))).toEqual([`A ← error(${ErrorCodes.NO_STRANGER})`]);
  });

  it('report names the current partner, or the last one after they left, with address hashes', () => {
    const h = harness();
    const a = h.hello('A', { ipHash: 'aaaa' });
    const b = h.hello('B', { ipHash: 'bbbb' });
    h.run({ type: 'join', session: a });
    h.run({ type: 'join', session: b });
    expect(h.show(h.run({ type: 'report', session: a, reason: 'rude' }))).toEqual(['report B (rude)']);
    h.run({ type: 'leave', session: b });
    const fx = h.run({ type: 'report', session: a, reason: 'still rude' });
    expect(fx).toEqual([
      {
        type: 'report',
        report: {
          matchId: h.st.sessions.get(a)!.lastMatchId,
          reporter: a,
          reported: b,
          reporterIpHash: 'aaaa',
          reportedIpHash: 'bbbb',
          reason: 'still rude',
        },
      },
    ]);
  });
});
