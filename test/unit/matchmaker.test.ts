/**
 * The pure matchmaker: table tests of `step` and property tests over random event sequences.
 * No sockets, no timers: time is a number and randomness is seeded.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { step } from '../../src/signaling/server/matchmaker.js';
import { eligible, isPicky, isRecentPair } from '../../src/signaling/server/pairing.js';
import { seededRng, type Rng } from '../../src/signaling/server/rng.js';
import {
  createMatchState,
  type Effect,
  type MatchEvent,
  type MatchState,
  type SessionRecord,
  type TimerEvent,
} from '../../src/signaling/server/state.js';

const GRACE = 1000;
const WINDOW = 500;

/** A matchmaker with named sessions (A, B, …) and readable effect summaries. */
class Harness {
  readonly state: MatchState;
  readonly rng: Rng;
  now = 0;
  #conn = 0;
  readonly #alias = new Map<string, string>();
  readonly #id = new Map<string, string>();

  constructor(seed = 1) {
    this.state = createMatchState({ graceMs: GRACE, interestWindowMs: WINDOW });
    this.rng = seededRng(seed);
  }

  /** Runs one event; sessions it creates are named after the next unused letter. */
  run(event: MatchEvent): Effect[] {
    const fx = step(this.state, event, this.now, this.rng).effects;
    for (const e of fx) {
      if (e.type !== 'bind' || this.#alias.has(e.session)) continue;
      const name = this.#nextName ?? String.fromCharCode(65 + this.#alias.size);
      this.#alias.set(e.session, name);
      this.#id.set(name, e.session);
    }
    return fx;
  }

  #nextName: string | undefined;

  /** Creates session `name`. */
  hello(name: string, interests: string[] = []): string {
    this.#nextName = name;
    try {
      this.run({ type: 'hello', conn: ++this.#conn, interests });
    } finally {
      this.#nextName = undefined;
    }
    return this.id(name);
  }

  id(name: string): string {
    const id = this.#id.get(name);
    if (id === undefined) throw new Error(`no session ${name}`);
    return id;
  }

  s(name: string): SessionRecord {
    return this.state.sessions.get(this.id(name))!;
  }

  /** The current match id of `name`. */
  m(name: string): string {
    return this.s(name).matchId!;
  }

  /** Shorthand for session events: `h.ev('join', 'A')`. */
  ev(
    type: 'join' | 'next' | 'leave' | 'bye' | 'socket-lost' | 'wake' | TimerEvent['type'],
    name: string,
  ): MatchEvent {
    return { type, session: this.id(name) };
  }

  /** `A` and `B` hello, join and get matched. */
  pair(a = 'A', b = 'B'): void {
    this.hello(a);
    this.hello(b);
    this.run(this.ev('join', a));
    this.run(this.ev('join', b));
  }

  summary(fx: Effect[]): string[] {
    const n = (id: string) => this.#alias.get(id) ?? id;
    return fx.map((e) => {
      switch (e.type) {
        case 'bind':
          return `bind #${e.conn} ${n(e.session)}`;
        case 'close':
          return `close ${n(e.to)} ${e.code}`;
        case 'schedule':
          return `schedule ${e.key.replace(/:.*/, '')}:${n(e.key.replace(/^[^:]*:/, ''))} @${e.at}`;
        case 'cancel':
          return `cancel ${e.key.replace(/:.*/, '')}:${n(e.key.replace(/^[^:]*:/, ''))}`;
        case 'send': {
          const m = e.msg;
          const detail =
            m.type === 'error'
              ? `(${m.code})`
              : m.type === 'partner-left'
                ? `(${m.reason})`
                : m.type === 'signal' || m.type === 'rebuild'
                  ? `(${m.gen})`
                  : m.type === 'welcome'
                    ? `(${m.resumed ? 'resumed' : 'new'})`
                    : '';
          return `${n(e.to)} ← ${m.type}${detail}`;
        }
        case 'report':
          return `report ${n(e.report.reporter)} → ${n(e.report.reported)}: ${e.report.reason}`;
      }
    });
  }
}

const sig = (matchId: string, gen = 0) => ({ kind: 'end-of-candidates' as const, matchId, gen });

describe('matchmaker step: one event at a time', () => {
  it.each<[string, (h: Harness) => MatchEvent, string[]]>([
    [
      'hello binds and welcomes',
      () => ({ type: 'hello', conn: 9, interests: [] }),
      ['bind #9 E', 'E ← welcome(new)'],
    ],
    ['join alone queues', (h) => h.ev('join', 'C'), ['C ← queued']],
    [
      'join with someone waiting matches',
      (h) => (h.run(h.ev('join', 'C')), h.ev('join', 'D')),
      ['D ← queued', 'D ← matched', 'C ← matched'],
    ],
    [
      'join with interests and nobody sharing starts the window',
      (h) => ({ type: 'join', session: h.id('C'), interests: ['cats'] }),
      ['C ← queued', 'schedule interest:C @500'],
    ],
    ['join while matched is refused', (h) => h.ev('join', 'A'), [`A ← error(${ErrorCodes.BAD_MESSAGE})`]],
    [
      'next ends the match and re-queues the sender',
      (h) => (h.run(h.ev('join', 'C')), h.ev('next', 'A')),
      ['B ← partner-left(skipped)', 'A ← queued', 'A ← matched', 'C ← matched'],
    ],
    ['next while idle is a join', (h) => h.ev('next', 'C'), ['C ← queued']],
    ['leave while matched', (h) => h.ev('leave', 'A'), ['B ← partner-left(left)']],
    ['leave while waiting', (h) => (h.run(h.ev('join', 'C')), h.ev('leave', 'C')), []],
    ['bye while matched', (h) => h.ev('bye', 'A'), ['B ← partner-left(left)', 'close A 1000']],
    [
      'socket lost while matched',
      (h) => h.ev('socket-lost', 'A'),
      ['B ← partner-reconnecting', 'schedule grace:A @1000'],
    ],
    ['socket lost while idle', (h) => h.ev('socket-lost', 'C'), ['schedule grace:C @1000']],
    [
      'grace expired while matched',
      (h) => (h.run(h.ev('socket-lost', 'A')), h.ev('grace-expired', 'A')),
      ['B ← partner-left(disconnected)'],
    ],
    ['grace expired after a resume is ignored', (h) => h.ev('grace-expired', 'A'), []],
    [
      'resume after a loss keeps the partner',
      (h) => (
        h.run(h.ev('socket-lost', 'A')),
        { type: 'resume', conn: 9, resumeToken: h.s('A').resumeToken }
      ),
      ['cancel grace:A', 'bind #9 A', 'A ← welcome(resumed)', 'B ← partner-resumed'],
    ],
    [
      'resume while the old socket is open replaces it',
      (h) => ({ type: 'resume', conn: 9, resumeToken: h.s('A').resumeToken }),
      ['close A 4002', 'bind #9 A', 'A ← welcome(resumed)'],
    ],
    [
      'resume of a session that was queued puts it back in the queue',
      (h) => (
        h.run(h.ev('join', 'C')),
        h.run(h.ev('socket-lost', 'C')),
        { type: 'resume', conn: 9, resumeToken: h.s('C').resumeToken }
      ),
      ['cancel grace:C', 'bind #9 C', 'C ← welcome(resumed)', 'C ← queued'],
    ],
    [
      'resume with an unknown token starts a fresh session',
      () => ({ type: 'resume', conn: 9, resumeToken: 'nope' }),
      ['bind #9 E', 'E ← welcome(new)'],
    ],
    [
      'signal to the partner',
      (h) => ({
        type: 'signal',
        session: h.id('A'),
        matchId: h.m('A'),
        gen: 0,
        data: { kind: 'end-of-candidates' },
      }),
      ['B ← signal(0)'],
    ],
    [
      'signal while not matched',
      (h) => ({
        type: 'signal',
        session: h.id('C'),
        matchId: 'x',
        gen: 0,
        data: { kind: 'end-of-candidates' },
      }),
      [`C ← error(${ErrorCodes.NOT_MATCHED})`],
    ],
    [
      'signal with a forged match id',
      (h) => ({
        type: 'signal',
        session: h.id('A'),
        matchId: 'match-x',
        gen: 0,
        data: { kind: 'end-of-candidates' },
      }),
      [`A ← error(${ErrorCodes.STALE_MATCH})`],
    ],
    [
      'signal with another generation',
      (h) => ({
        type: 'signal',
        session: h.id('A'),
        matchId: h.m('A'),
        gen: 3,
        data: { kind: 'end-of-candidates' },
      }),
      [`A ← error(${ErrorCodes.STALE_MATCH})`],
    ],
    [
      'signal with the match id from before next',
      (h) => {
        const { matchId, gen } = sig(h.m('A'));
        h.run(h.ev('next', 'A'));
        return { type: 'signal', session: h.id('B'), matchId, gen, data: { kind: 'end-of-candidates' } };
      },
      [`B ← error(${ErrorCodes.STALE_MATCH})`],
    ],
    [
      'rebuild bumps gen for both',
      (h) => ({ type: 'rebuild', session: h.id('B'), matchId: h.m('A') }),
      ['B ← rebuild(1)', 'A ← rebuild(1)'],
    ],
    [
      'rebuild of a foreign match',
      (h) => ({ type: 'rebuild', session: h.id('C'), matchId: h.m('A') }),
      [`C ← error(${ErrorCodes.NOT_MATCHED})`],
    ],
    [
      'interest window expiry pairs with anyone',
      (h) => {
        h.run({ type: 'join', session: h.id('C'), interests: ['cats'] });
        h.run(h.ev('join', 'D'));
        h.now = WINDOW;
        return h.ev('interest-window-expired', 'C');
      },
      ['C ← matched', 'D ← matched'],
    ],
    ['events for unknown sessions do nothing', () => ({ type: 'join', session: 'ghost' }), []],
  ])('%s', (_name, make, expected) => {
    const h = new Harness();
    h.pair('A', 'B');
    h.hello('C');
    h.hello('D');
    const event = make(h);
    expect(h.summary(h.run(event))).toEqual(expected);
  });
});

describe('matchmaker rules', () => {
  it('gives both sides the match id, opposite roles, gen 0 and the sorted common interests', () => {
    const h = new Harness();
    h.hello('A', ['music', 'cats', 'chess']);
    h.hello('B', ['zebras', 'chess', 'cats']);
    h.run(h.ev('join', 'A'));
    const fx = h.run(h.ev('join', 'B')).filter((e) => e.type === 'send' && e.msg.type === 'matched');
    const msgs = fx.map((e) => (e.type === 'send' ? e.msg : null));
    expect(msgs).toHaveLength(2);
    const [x, y] = msgs as Extract<(typeof msgs)[number], { type: 'matched' }>[];
    expect(x!.matchId).toBe(y!.matchId);
    expect(new Set([x!.role, y!.role])).toEqual(new Set(['offerer', 'answerer']));
    expect([x!.gen, y!.gen]).toEqual([0, 0]);
    expect(x!.interests).toEqual(['cats', 'chess']);
    expect(y!.interests).toEqual(['cats', 'chess']);
  });

  it('chooses the offerer at random', () => {
    const offerers = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      const h = new Harness(seed);
      h.pair();
      const m = h.state.matches.get(h.m('A'))!;
      offerers.add(m.offerer === h.id('A') ? 'A' : 'B');
    }
    expect(offerers).toEqual(new Set(['A', 'B']));
  });

  it('picks among eligible waiting strangers at random, not the oldest', () => {
    const picked = new Set<string>();
    for (let seed = 1; seed <= 30; seed++) {
      const h = new Harness(seed);
      for (const [name, interest] of [
        ['P', 'a'],
        ['Q', 'b'],
        ['R', 'c'],
      ] as const) {
        h.hello(name, [interest]);
        h.run(h.ev('join', name));
      }
      h.hello('X', ['a', 'b', 'c']);
      h.run(h.ev('join', 'X'));
      const partner = ['P', 'Q', 'R'].find((n) => h.s(n).matchId === h.m('X'));
      picked.add(partner!);
    }
    expect(picked).toEqual(new Set(['P', 'Q', 'R']));
  });

  it('waits for a shared interest during the window, then takes anyone', () => {
    const h = new Harness();
    h.hello('A', ['cats']);
    h.hello('B');
    h.run(h.ev('join', 'A'));
    h.now = 100;
    expect(h.summary(h.run(h.ev('join', 'B')))).toEqual(['B ← queued']);
    h.now = WINDOW;
    expect(h.summary(h.run(h.ev('interest-window-expired', 'A')))).toEqual(['A ← matched', 'B ← matched']);
    expect(h.state.matches.get(h.m('A'))!.interests).toEqual([]);
  });

  it('wake (multi-node): looks again for a waiting session, without opening its window early', () => {
    const h = new Harness();
    h.hello('A', ['cats']);
    h.hello('B', ['dogs']);
    h.hello('C');
    h.run(h.ev('join', 'A'));
    h.run(h.ev('join', 'B'));
    expect(h.summary(h.run(h.ev('wake', 'A')))).toEqual([]); // both still picky
    expect(h.summary(h.run(h.ev('wake', 'C')))).toEqual([]); // C is idle: nothing to do
    h.now = WINDOW;
    expect(h.summary(h.run(h.ev('wake', 'A')))).toEqual([
      'cancel interest:A',
      'cancel interest:B',
      'A ← matched',
      'B ← matched',
    ]);
    expect(h.summary(h.run(h.ev('wake', 'A')))).toEqual([]); // matched: nothing to do
  });

  it('a stranger whose window is over counts as open before its timer fires (skip-repeat holds)', () => {
    const h = new Harness();
    h.pair('X', 'R');
    h.run(h.ev('leave', 'X'));
    h.hello('C', ['cats']);
    h.run(h.ev('join', 'C'));
    h.run(h.ev('join', 'R'));
    h.now = WINDOW + 10; // C's interest-window timer is late
    h.run(h.ev('join', 'X'));
    expect(h.m('X')).toBe(h.m('C'));
    expect(h.s('R').status).toBe('waiting');
  });

  it('never pairs a session with itself', () => {
    const h = new Harness();
    h.hello('A');
    h.run(h.ev('join', 'A'));
    expect(h.summary(h.run(h.ev('join', 'A')))).toEqual(['A ← queued']);
    expect(h.state.matches.size).toBe(0);
  });

  it('a dropped queued session is not matched (no ghosts)', () => {
    const h = new Harness();
    h.hello('A');
    h.hello('B');
    h.run(h.ev('join', 'A'));
    h.run(h.ev('socket-lost', 'A'));
    expect(h.summary(h.run(h.ev('join', 'B')))).toEqual(['B ← queued']);
  });

  it('the resume welcome carries the current match', () => {
    const h = new Harness();
    h.pair();
    h.run({ type: 'rebuild', session: h.id('A'), matchId: h.m('A') });
    h.run(h.ev('socket-lost', 'A'));
    const fx = h.run({ type: 'resume', conn: 5, resumeToken: h.s('A').resumeToken, interests: ['ignored'] });
    const welcome = fx.find((e) => e.type === 'send' && e.msg.type === 'welcome');
    const m = h.state.matches.get(h.m('A'))!;
    expect(welcome).toMatchObject({
      msg: {
        resumed: true,
        sessionId: h.id('A'),
        match: {
          matchId: m.id,
          gen: 1,
          role: m.offerer === h.id('A') ? 'offerer' : 'answerer',
          interests: [],
        },
      },
    });
  });

  it('bye voids the resume token', () => {
    const h = new Harness();
    h.hello('A');
    const token = h.s('A').resumeToken;
    h.run(h.ev('bye', 'A'));
    const fx = h.run({ type: 'resume', conn: 3, resumeToken: token });
    expect(fx.some((e) => e.type === 'send' && e.msg.type === 'welcome' && !e.msg.resumed)).toBe(true);
    expect(h.state.sessions.size).toBe(1);
  });
});

// ---------------------------------------------------------------- properties

interface Snapshot {
  sessions: Map<string, SessionRecord>;
  waiting: string[];
}
const snapshot = (st: MatchState): Snapshot => ({
  sessions: new Map([...st.sessions].map(([id, s]) => [id, { ...s, interests: [...s.interests] }])),
  waiting: [...st.queue.ids()],
});

function checkInvariants(st: MatchState): void {
  const seen = new Set<string>();
  for (const m of st.matches.values()) {
    expect(m.a).not.toBe(m.b);
    for (const id of [m.a, m.b]) {
      expect(seen.has(id), `${id} in two matches`).toBe(false);
      seen.add(id);
      const s = st.sessions.get(id);
      expect(s?.status).toBe('matched');
      expect(s?.matchId).toBe(m.id);
    }
  }
  for (const s of st.sessions.values()) {
    expect(s.status === 'matched').toBe(seen.has(s.id));
    expect(st.queue.has(s.id)).toBe(s.status === 'waiting');
    if (s.status === 'waiting') expect(s.connected).toBe(true);
    expect(st.byToken.get(s.resumeToken)).toBe(s.id);
  }
  expect(st.queue.size).toBe([...st.sessions.values()].filter((s) => s.status === 'waiting').length);
  expect(st.byToken.size).toBe(st.sessions.size);
}

/** The open set holds every queued session without interests, and none inside its interest window. */
function checkOpenSet(st: MatchState, now: number): void {
  let open = 0;
  for (const id of st.queue.ids()) {
    const s = st.sessions.get(id)!;
    if (s.interests.length === 0) expect(st.queue.isOpen(id)).toBe(true);
    if (st.queue.isOpen(id)) {
      expect(isPicky(s, now, WINDOW), `${id} open inside its interest window`).toBe(false);
      open += 1;
    }
  }
  expect(st.queue.openSize).toBe(open);
}

const POOL = ['cats', 'music', 'chess'];

/** Runs a random scenario; checks invariants and per-event properties after every step. */
function simulate(seed: number, steps: number): void {
  const st = createMatchState({ graceMs: GRACE, interestWindowMs: WINDOW });
  const rng = seededRng(seed);
  const pick = seededRng(seed * 7919 + 1);
  const r = (n: number) => Math.floor(pick.random() * n);
  const timers = new Map<string, { at: number; event: TimerEvent }>();
  const tokens: string[] = [];
  const endedMatches: string[] = [];
  let now = 0;
  let conn = 0;

  const apply = (event: MatchEvent) => {
    const before = snapshot(st);
    const prevMatches = new Map(st.matches);
    const { effects } = step(st, event, now, rng);
    checkInvariants(st);
    checkOpenSet(st, now);
    for (const fx of effects) {
      if (fx.type === 'schedule') timers.set(fx.key, { at: fx.at, event: fx.event });
      if (fx.type === 'cancel') timers.delete(fx.key);
      if (fx.type === 'bind') tokens.push(st.sessions.get(fx.session)!.resumeToken);
    }
    for (const id of prevMatches.keys()) if (!st.matches.has(id)) endedMatches.push(id);
    // Signals only reach the sender's current partner, tagged with the current match.
    const signals = effects.filter((e) => e.type === 'send' && e.msg.type === 'signal');
    if (event.type === 'signal') {
      const sender = before.sessions.get(event.session);
      const m = sender?.matchId ? prevMatches.get(sender.matchId) : undefined;
      if (signals.length > 0) {
        expect(signals).toHaveLength(1);
        expect(m?.id).toBe(event.matchId);
        expect(m?.gen).toBe(event.gen);
        const partner = m!.a === event.session ? m!.b : m!.a;
        expect(signals[0]).toMatchObject({ to: partner, msg: { matchId: m!.id } });
      }
    } else {
      expect(signals).toHaveLength(0);
    }
    // Skip-repeat: a recent pair is only re-matched when nobody else eligible was waiting.
    for (const m of st.matches.values()) {
      if (prevMatches.has(m.id) || !('session' in event)) continue;
      const trigger = event.session;
      const other = m.a === trigger ? m.b : m.a;
      // The trigger as the pick saw it: a `next` ended its match (new lastPartner) and re-queued it
      // (waitingSince = now) before picking; pairing itself changes neither.
      const x = st.sessions.get(trigger);
      const y = before.sessions.get(other);
      if (!x || !y || !isRecentPair(x, y)) continue;
      const alternatives = before.waiting.filter((id) => {
        const z = before.sessions.get(id)!;
        return id !== trigger && id !== other && eligible(x, z, now, WINDOW) && !isRecentPair(x, z);
      });
      expect(alternatives, 'rematched a recent partner while others waited').toEqual([]);
    }
  };

  const anySession = (): string | undefined => {
    const ids = [...st.sessions.keys()];
    return ids.length === 0 ? undefined : ids[r(ids.length)];
  };

  for (let i = 0; i < steps; i++) {
    const roll = r(100);
    const sid = anySession();
    if (roll < 10 || sid === undefined) {
      const interests = POOL.filter(() => r(3) === 0);
      apply({ type: 'hello', conn: ++conn, interests });
    } else if (roll < 35) {
      apply(
        r(3) === 0
          ? { type: 'join', session: sid, interests: POOL.filter(() => r(2) === 0) }
          : { type: 'join', session: sid },
      );
    } else if (roll < 47) {
      apply({ type: 'next', session: sid });
    } else if (roll < 52) {
      apply({ type: 'leave', session: sid });
    } else if (roll < 55) {
      apply({ type: 'bye', session: sid });
    } else if (roll < 62) {
      apply({ type: 'socket-lost', session: sid });
    } else if (roll < 68) {
      apply({ type: 'resume', conn: ++conn, resumeToken: tokens[r(tokens.length)] ?? 'none' });
    } else if (roll < 85) {
      const s = st.sessions.get(sid)!;
      const candidates = [s.matchId, s.lastMatchId, endedMatches[r(endedMatches.length)], 'forged'];
      const matchId = candidates[r(candidates.length)] ?? 'forged';
      const gen = r(3) === 0 ? 1 : (st.matches.get(matchId)?.gen ?? 0);
      apply({ type: 'signal', session: sid, matchId, gen, data: { kind: 'end-of-candidates' } });
    } else if (roll < 88) {
      const s = st.sessions.get(sid)!;
      apply({ type: 'rebuild', session: sid, matchId: s.matchId ?? s.lastMatchId ?? 'forged' });
    } else if (roll < 91) {
      apply({ type: 'wake', session: sid });
    } else {
      now += r(400);
      fireDue();
    }
  }

  function fireDue(): void {
    for (;;) {
      const due = [...timers].filter(([, t]) => t.at <= now).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) return;
      timers.delete(due[0]);
      apply(due[1].event);
    }
  }

  // Quiescence: once every interest window has passed, nobody who could be paired is left waiting.
  now += WINDOW + GRACE + 1;
  fireDue();
  expect(st.queue.size).toBeLessThanOrEqual(1);
  for (const s of st.sessions.values()) expect(s.connected).toBe(true);
}

describe('matchmaker properties (random event sequences)', () => {
  it.each(Array.from({ length: 40 }, (_, i) => i + 1))('seed %i: invariants hold', (seed) => {
    simulate(seed, 400);
  });
});
