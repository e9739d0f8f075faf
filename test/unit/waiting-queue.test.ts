/**
 * The waiting queue's open set (queued sessions anyone may take) and the bounded final pick that
 * draws from it. Pure: hand-built queues and states, seeded randomness.
 */
import { describe, expect, it } from 'vitest';
import { OPEN_PROBES, pickPartner } from '../../src/signaling/server/pairing.js';
import { WaitingQueue } from '../../src/signaling/server/queue.js';
import { seededRng } from '../../src/signaling/server/rng.js';
import { createMatchState, type MatchState, type SessionRecord } from '../../src/signaling/server/state.js';

const WINDOW = 500;

type Op =
  ['add', string, string[], number] | ['remove', string, string[]] | ['open', string] | ['openDue', number];

function apply(q: WaitingQueue, ops: Op[]): void {
  for (const op of ops) {
    if (op[0] === 'add') q.add({ id: op[1], interests: op[2] }, op[3]);
    else if (op[0] === 'remove') q.remove({ id: op[1], interests: op[2] });
    else if (op[0] === 'open') q.open(op[1]);
    else q.openDue(op[1]);
  }
}

const openIds = (q: WaitingQueue) => Array.from({ length: q.openSize }, (_, i) => q.openAt(i)).sort();

describe('WaitingQueue open set', () => {
  it.each<[string, Op[], string[], string[]]>([
    ['no interests: open at once', [['add', 'a', [], 500]], ['a'], ['a']],
    ['interests: not open during the window', [['add', 'a', ['cats'], 500]], ['a'], []],
    [
      'open(id) opens it',
      [
        ['add', 'a', ['cats'], 500],
        ['open', 'a'],
      ],
      ['a'],
      ['a'],
    ],
    ['open(id) of an unqueued id does nothing', [['open', 'a']], [], []],
    [
      'openDue opens those whose window is over, in order',
      [
        ['add', 'a', ['cats'], 500],
        ['add', 'b', ['dogs'], 600],
        ['add', 'c', ['cats'], 700],
        ['openDue', 600],
      ],
      ['a', 'b', 'c'],
      ['a', 'b'],
    ],
    [
      'openDue skips a session that left',
      [
        ['add', 'a', ['cats'], 500],
        ['remove', 'a', ['cats']],
        ['openDue', 1000],
      ],
      [],
      [],
    ],
    [
      'a re-added session opens at its new window end, not the old one',
      [
        ['add', 'a', ['cats'], 500],
        ['remove', 'a', ['cats']],
        ['add', 'a', ['cats'], 900],
        ['openDue', 600],
      ],
      ['a'],
      [],
    ],
    [
      '…and opens at the new one',
      [
        ['add', 'a', ['cats'], 500],
        ['remove', 'a', ['cats']],
        ['add', 'a', ['cats'], 900],
        ['openDue', 900],
      ],
      ['a'],
      ['a'],
    ],
    [
      're-added without interests is open at once; the old entry is stale',
      [
        ['add', 'a', ['cats'], 500],
        ['remove', 'a', ['cats']],
        ['add', 'a', [], 900],
        ['openDue', 1000],
      ],
      ['a'],
      ['a'],
    ],
    [
      'remove takes it out of the open set (swap-remove keeps the others)',
      [
        ['add', 'a', [], 0],
        ['add', 'b', [], 0],
        ['add', 'c', [], 0],
        ['remove', 'a', []],
      ],
      ['b', 'c'],
      ['b', 'c'],
    ],
    [
      'opened twice (timer and openDue) is counted once',
      [
        ['add', 'a', ['cats'], 500],
        ['openDue', 500],
        ['open', 'a'],
        ['openDue', 500],
      ],
      ['a'],
      ['a'],
    ],
    [
      'adding a queued session does nothing',
      [
        ['add', 'a', ['cats'], 500],
        ['add', 'a', [], 0],
      ],
      ['a'],
      [],
    ],
  ])('%s', (_name, ops, queued, open) => {
    const q = new WaitingQueue();
    apply(q, ops);
    expect([...q.ids()].sort()).toEqual(queued);
    expect(openIds(q)).toEqual(open);
    for (const id of open) expect(q.isOpen(id)).toBe(true);
    expect(q.sharing(['cats', 'dogs'], '', 10).every((id) => q.has(id))).toBe(true);
  });

  it('keeps the open set exact over random operations', () => {
    const rng = seededRng(7);
    const r = (n: number) => Math.floor(rng.random() * n);
    const q = new WaitingQueue();
    const model = new Map<string, { interests: string[]; opensAt: number; open: boolean }>();
    let now = 0;
    for (let i = 0; i < 5000; i++) {
      const id = `s${r(40)}`;
      const roll = r(10);
      const m = model.get(id);
      if (roll < 4 && !m) {
        const interests = r(2) === 0 ? [] : ['x'];
        q.add({ id, interests }, now + WINDOW);
        model.set(id, { interests, opensAt: now + WINDOW, open: interests.length === 0 });
      } else if (roll < 7 && m) {
        q.remove({ id, interests: m.interests });
        model.delete(id);
      } else if (roll < 8 && m) {
        q.open(id);
        m.open = true;
      } else {
        now += r(200);
        q.openDue(now);
        for (const s of model.values()) if (s.opensAt <= now) s.open = true;
      }
      expect(q.size).toBe(model.size);
      const expected = [...model].filter(([, s]) => s.open).map(([k]) => k);
      expect(openIds(q)).toEqual(expected.sort());
    }
  });
});

// ---------------------------------------------------------------- the final pick

function session(st: MatchState, id: string, interests: string[], lastPartner: string | null = null) {
  const s: SessionRecord = {
    id,
    resumeToken: `t-${id}`,
    connected: true,
    status: 'waiting',
    interests,
    matchId: null,
    lastMatchId: null,
    lastPartner,
    waitingSince: 0,
    requeueOnResume: false,
    interestTimer: false,
  };
  st.sessions.set(id, s);
  st.byToken.set(s.resumeToken, id);
  st.queue.add(s, interests.length > 0 ? WINDOW : 0);
  return s;
}

describe('pickPartner draws the take-anyone pick from the open set', () => {
  const state = () => createMatchState({ interestWindowMs: WINDOW });

  it('finds the one open stranger among many picky ones, never itself', () => {
    const st = state();
    for (let i = 0; i < 2000; i++) session(st, `p${i}`, [`topic-${i}`]);
    const x = session(st, 'x', []);
    expect(pickPartner(st, x, 100, seededRng(1))).toBeNull();
    session(st, 'o', []);
    for (let seed = 1; seed <= 20; seed++) expect(pickPartner(st, x, 100, seededRng(seed))?.id).toBe('o');
  });

  it('takes the recent partner only when nobody else open waits', () => {
    const st = state();
    const x = session(st, 'x', [], 'r');
    session(st, 'r', [], 'x');
    expect(pickPartner(st, x, 100, seededRng(1))?.id).toBe('r');
    session(st, 'o', []);
    for (let seed = 1; seed <= 20; seed++) expect(pickPartner(st, x, 100, seededRng(seed))?.id).toBe('o');
  });

  it('treats a stranger whose window is over as open once the queue is brought up to date', () => {
    const st = state();
    const x = session(st, 'x', []);
    session(st, 'p', ['cats']);
    expect(pickPartner(st, x, WINDOW, seededRng(1))).toBeNull();
    st.queue.openDue(WINDOW);
    expect(pickPartner(st, x, WINDOW, seededRng(1))?.id).toBe('p');
  });

  it.each([
    ['up to OPEN_PROBES open strangers, all recent: takes one', OPEN_PROBES - 1, 'recent'],
    ['more than the probes can see, all recent: waits rather than break skip-repeat', OPEN_PROBES + 5, null],
  ])('%s', (_name, count, expected) => {
    const st = state();
    const x = session(st, 'x', []);
    for (let i = 0; i < count; i++) session(st, `r${i}`, [], 'x');
    const y = pickPartner(st, x, 100, seededRng(3));
    expect(y === null ? null : y.lastPartner === 'x' ? 'recent' : y.id).toBe(expected);
  });
});
