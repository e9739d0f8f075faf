/**
 * The pure halves of the Redis broker, without Redis: the `load` answer → a MatchState
 * (redis-snapshot.ts), the state after `step` → the `commit` checks and writes (redis-commit.ts),
 * the `load` arguments of a batch (redis-batch.ts) and the relay's signal batches (redis-relay.ts). End to end they are covered by the broker
 * contract and the multi-node tests; these pin the details table-style.
 */
import { describe, expect, it } from 'vitest';
import { step } from '../../src/signaling/server/matchmaker.js';
import { loadArgs, type AnyEvent } from '../../src/signaling/server/redis-batch.js';
import { planCommit, sessionFields } from '../../src/signaling/server/redis-commit.js';
import { parseSignalBatch, signalBatch, SIGNAL_PREFIX } from '../../src/signaling/server/redis-relay.js';
import { RedisKeys } from '../../src/signaling/server/redis-scripts.js';
import {
  buildState,
  matchJson,
  needsFullSample,
  OPEN_SAMPLE,
  OPEN_SAMPLE_SMALL,
  parseLoad,
  parseMatch,
  parseSession,
  sessionJson,
  type Snapshot,
} from '../../src/signaling/server/redis-snapshot.js';
import { seededRng } from '../../src/signaling/server/rng.js';
import {
  createMatchState,
  NO_INTERESTS,
  type MatchRecord,
  type SessionRecord,
} from '../../src/signaling/server/state.js';

const keys = new RedisKeys('t');
const config = createMatchState({ interestWindowMs: 5000 }).config;

function session(id: string, over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id,
    resumeToken: `tok-${id}`,
    connected: true,
    status: 'idle',
    interests: NO_INTERESTS,
    matchId: null,
    lastMatchId: null,
    lastPartner: null,
    waitingSince: 1000,
    requeueOnResume: false,
    interestTimer: false,
    ...over,
  };
}

type Row = [string, string, string, string, string, string, string, string, number, number];
/** One `recs` row of the load script: [id, j, n, v, m, i, g, w, open, alive]. */
function row(
  s: SessionRecord,
  node = 'n1',
  ver = 1,
  extra: Partial<{ g: string; w: string; open: number; alive: number }> = {},
): Row {
  const { g = '', w = '', open = 0, alive = 1 } = extra;
  return [s.id, sessionJson(s), node, String(ver), s.matchId ?? '', s.interests.join(','), g, w, open, alive];
}

function load(o: {
  sids: string[];
  recs: Row[];
  ms?: [string, string, string][];
  qsize?: number;
  osize?: number;
  qv?: number;
}): Snapshot {
  return parseLoad(
    JSON.stringify({
      sids: o.sids,
      qv: o.qv ?? 7,
      qsize: o.qsize ?? 0,
      osize: o.osize ?? 0,
      recs: o.recs,
      ms: o.ms ?? [],
    }),
  );
}

describe('session and match JSON', () => {
  it('round-trips a record, Sets included, and shares the empty interest list', () => {
    const s = session('a', { blocked: new Set(['x', 'y']), identity: 'id-a' });
    const back = parseSession(sessionJson(s));
    expect(back).toEqual(s);
    expect(back.blocked).toBeInstanceOf(Set);
    expect(back.interests).toBe(NO_INTERESTS);
    expect(sessionJson(back)).toBe(sessionJson(s));
  });

  it('revives only top-level Sets: a nested {$set} stays plain data', () => {
    const back = parseSession(
      '{"id":"a","interests":[],"blocked":{"$set":["x"]},"note":{"inner":{"$set":[1]}}}',
    ) as SessionRecord & { note: unknown };
    expect(back.blocked).toEqual(new Set(['x']));
    expect(back.note).toEqual({ inner: { $set: [1] } });
  });

  it('round-trips a match', () => {
    const m: MatchRecord = { id: 'm1', a: 'a', b: 'b', offerer: 'b', gen: 2, interests: ['go'] };
    expect(parseMatch(matchJson(m))).toEqual(m);
  });

  it('sessionFields: what a session hash holds', () => {
    const s = session('a', { interests: ['go', 'jazz'], matchId: 'm1', status: 'matched' });
    expect(sessionFields(s, 'n2', 4)).toEqual([
      'j',
      sessionJson(s),
      'n',
      'n2',
      'v',
      '4',
      'm',
      'm1',
      'i',
      'go,jazz',
    ]);
  });
});

describe('parseLoad', () => {
  it('reads sessions, timers, flags, matches and the per-event session ids', () => {
    const a = session('a', { status: 'matched', matchId: 'm1' });
    const m: MatchRecord = { id: 'm1', a: 'a', b: 'b', offerer: 'a', gen: 0, interests: [] };
    const snap = load({
      sids: ['a', ''],
      recs: [row(a, 'n1', 3, { g: '25000', open: 1, alive: 0 })],
      ms: [['m1', matchJson(m), '5']],
      qsize: 4,
      osize: 2,
    });
    expect(snap.sids).toEqual(['a', null]);
    expect(snap).toMatchObject({ qv: 7, qsize: 4, osize: 2 });
    const la = snap.sessions.get('a')!;
    expect(la).toMatchObject({ node: 'n1', ver: 3, graceAt: 25000, open: true, alive: false });
    expect(la.windowAt).toBeNaN();
    expect(la.rec).toEqual(a);
    expect(la.json).toBe(sessionJson(a));
    expect(la.was).toEqual({
      id: 'a',
      status: 'matched',
      interests: NO_INTERESTS,
      waitingSince: 1000,
      resumeToken: 'tok-a',
    });
    // `step` mutates `rec`; what the commit undoes (the old indexing) stays as loaded.
    la.rec.status = 'waiting';
    la.rec.waitingSince = 9000;
    expect(la.was).toMatchObject({ status: 'matched', waitingSince: 1000 });
    expect(snap.matches.get('m1')).toMatchObject({ ver: 5, rec: m, json: matchJson(m) });
  });

  it('treats missing lists as empty', () => {
    const snap = parseLoad('{"qv":0,"qsize":0,"osize":0}');
    expect(snap.sids).toEqual([]);
    expect(snap.sessions.size).toBe(0);
    expect(snap.matches.size).toBe(0);
  });
});

describe('buildState', () => {
  it('queues the waiting sessions of the sample and reports the real queue size', () => {
    const w1 = session('w1', { status: 'waiting' });
    const w2 = session('w2', { status: 'waiting', interests: ['go'], waitingSince: 4000 });
    const idle = session('i');
    const snap = load({ sids: ['i'], recs: [row(w1, 'n1', 1, { open: 1 }), row(w2), row(idle)], qsize: 10 });
    const st = buildState(snap, config);
    expect(st.queue.size).toBe(10);
    expect(st.queue.has('w1') && st.queue.has('w2')).toBe(true);
    expect(st.queue.has('i')).toBe(false);
    expect(st.queue.isOpen('w1')).toBe(true);
    expect(st.queue.isOpen('w2')).toBe(false);
    expect(st.byToken.get('tok-w2')).toBe('w2');
  });
});

describe('needsFullSample', () => {
  const rng = seededRng(1);
  it.each([
    ['nobody found, more open strangers than loaded', 20, true],
    ['nobody found, everyone open was loaded', OPEN_SAMPLE_SMALL, false],
  ])('%s → %s', (_what, osize, want) => {
    const x = session('x');
    const snap = load({ sids: ['x'], recs: [row(x)], osize });
    const st = buildState(snap, config);
    step(st, { type: 'join', session: 'x' }, 2000, rng);
    expect(st.sessions.get('x')?.status).toBe('waiting');
    expect(needsFullSample(snap, 'x', st, OPEN_SAMPLE_SMALL, 2000)).toBe(want);
  });

  it('a picky joiner (inside its interest window) never needs the full sample', () => {
    const x = session('x');
    const snap = load({ sids: ['x'], recs: [row(x)], osize: 100 });
    const st = buildState(snap, config);
    step(st, { type: 'join', session: 'x', interests: ['go'] }, 2000, rng);
    expect(needsFullSample(snap, 'x', st, OPEN_SAMPLE_SMALL, 2000)).toBe(false);
  });

  it('paired with its last partner while others are open: look at the full sample', () => {
    const x = session('x', { lastPartner: 'y' });
    const y = session('y', { status: 'waiting', lastPartner: 'x' });
    const snap = load({
      sids: ['x'],
      recs: [row(x), row(y, 'n1', 1, { open: 1 })],
      qsize: 1,
      osize: OPEN_SAMPLE,
    });
    const st = buildState(snap, config);
    step(st, { type: 'join', session: 'x' }, 2000, rng);
    expect(st.sessions.get('x')?.status).toBe('matched');
    expect(needsFullSample(snap, 'x', st, OPEN_SAMPLE_SMALL, 2000)).toBe(true);
  });
});

describe('planCommit', () => {
  const rng = seededRng(2);

  it('a join that pairs two strangers: version checks, dequeue, the match, cache updates', () => {
    const x = session('x');
    const y = session('y', { status: 'waiting' });
    const snap = load({
      sids: ['x'],
      recs: [row(x, 'n1', 4), row(y, 'n2', 9, { open: 1 })],
      qsize: 1,
      osize: 1,
    });
    const st = buildState(snap, config);
    const { effects } = step(st, { type: 'join', session: 'x' }, 2000, rng);
    const plan = planCommit(snap, st, effects, 'n1', keys);
    expect(plan.checks).toEqual([
      ['h', keys.session('x'), '4'],
      ['h', keys.session('y'), '9'],
    ]);
    const matchId = st.sessions.get('x')!.matchId!;
    expect(plan.ops).toContainEqual(['SREM', keys.queue, 'y']);
    expect(plan.ops).toContainEqual(['SREM', keys.open, 'y']);
    expect(plan.ops.find((o) => o[0] === 'HSET' && o[1] === keys.match(matchId))).toEqual([
      'HSET',
      keys.match(matchId),
      'j',
      matchJson(st.matches.get(matchId)!),
      'v',
      '1',
      'a',
      'x',
      'b',
      'y',
    ]);
    // x was never left waiting by this commit: no lost-wakeup check on the queue version.
    expect(plan.checks.some(([kind]) => kind === 'k' || kind === 'q')).toBe(false);
    expect(plan.woken).toEqual([]);
    expect(plan.changed.get('x')).toMatchObject({ ver: 5, matchId, peer: 'n2' });
    expect(plan.changed.get('y')).toMatchObject({ ver: 10, matchId, peer: 'n1' });
    expect(plan.owner.get('y')).toBe('n2');
    expect(plan.removed.size + plan.moved.length).toBe(0);
  });

  it('a join that leaves the joiner waiting bumps the queue version and wakes it if that moved', () => {
    const x = session('x');
    const snap = load({ sids: ['x'], recs: [row(x, 'n1', 1)], qv: 12 });
    const st = buildState(snap, config);
    const { effects } = step(st, { type: 'join', session: 'x' }, 2000, rng);
    const plan = planCommit(snap, st, effects, 'n1', keys);
    // Only reported ('q'): if another node queued someone since the load, x gets a `wake`.
    expect(plan.checks).toContainEqual(['q', keys.queueVersion, '12']);
    expect(plan.woken).toEqual(['x']);
    expect(plan.ops).toContainEqual(['INCR', keys.queueVersion]);
    expect(plan.ops).toContainEqual(['SADD', keys.queue, 'x']);
    expect(plan.ops).toContainEqual(['SADD', keys.open, 'x']);
  });

  it('a new session (hello) is written with version 1, its token and its owner', () => {
    const snap = load({ sids: [''], recs: [] });
    const st = buildState(snap, config);
    const { effects } = step(st, { type: 'hello', conn: 1, interests: [] }, 2000, rng);
    const plan = planCommit(snap, st, effects, 'n1', keys);
    const [id] = [...st.sessions.keys()];
    expect(plan.checks).toEqual([['h', keys.session(id!), '0']]);
    expect(plan.ops).toContainEqual(['SET', keys.token(st.sessions.get(id!)!.resumeToken), id]);
    expect(plan.ops).toContainEqual(['SADD', keys.owned('n1'), id]);
    expect(plan.changed.get(id!)).toMatchObject({ ver: 1, matchId: null, peer: null });
  });

  it('a resume on another node moves the session and records the grace timer it cancels', () => {
    const a = session('a', { connected: false });
    const snap = load({ sids: ['a'], recs: [row(a, 'n2', 3, { g: '30000' })] });
    const st = buildState(snap, config);
    const { effects } = step(st, { type: 'resume', conn: 5, resumeToken: 'tok-a' }, 2000, rng);
    const plan = planCommit(snap, st, effects, 'n1', keys);
    expect(plan.moved).toEqual([['a', 'n2']]);
    expect(plan.ops).toContainEqual(['SREM', keys.owned('n2'), 'a']);
    expect(plan.ops).toContainEqual(['SADD', keys.owned('n1'), 'a']);
    expect(plan.owner.get('a')).toBe('n1');
  });

  it('bye removes the session, its token and its ownership', () => {
    const a = session('a');
    const snap = load({ sids: ['a'], recs: [row(a, 'n1', 2)] });
    const st = buildState(snap, config);
    const { effects } = step(st, { type: 'bye', session: 'a' }, 2000, rng);
    const plan = planCommit(snap, st, effects, 'n1', keys);
    expect(plan.removed).toEqual(new Set(['a']));
    expect(plan.ops).toEqual(
      expect.arrayContaining([
        ['DEL', keys.session('a')],
        ['DEL', keys.token('tok-a')],
        ['SREM', keys.owned('n1'), 'a'],
      ]),
    );
  });

  it('nothing changed (a signal): nothing to commit', () => {
    const a = session('a', { status: 'matched', matchId: 'm1' });
    const b = session('b', { status: 'matched', matchId: 'm1' });
    const m: MatchRecord = { id: 'm1', a: 'a', b: 'b', offerer: 'a', gen: 0, interests: [] };
    const snap = load({ sids: ['a'], recs: [row(a), row(b)], ms: [['m1', matchJson(m), '1']] });
    const st = buildState(snap, config);
    const ev = {
      type: 'signal',
      session: 'a',
      matchId: 'm1',
      gen: 0,
      data: { kind: 'end-of-candidates' },
    } as const;
    const { effects } = step(st, ev, 2000, rng);
    expect(effects).toHaveLength(1);
    const plan = planCommit(snap, st, effects, 'n1', keys);
    expect(plan.ops).toEqual([]);
    expect(plan.checks).toEqual([]);
  });
});

describe('loadArgs', () => {
  it.each<[string, AnyEvent[], string[] | null]>([
    ['only hellos: nothing to load', [{ type: 'hello', conn: 1, interests: [] }], null],
    [
      'a join wants the queue and names its interests',
      [{ type: 'join', session: 's1', interests: ['go', 'jazz'] }],
      ['s', 's1', '1', 'go,jazz'],
    ],
    ['a signal does not want the queue', [{ type: 'leave', session: 's1' }], ['s', 's1', '0', '']],
    [
      'a resume is looked up by token; a hello in the same batch loads nothing',
      [
        { type: 'hello', conn: 1, interests: [] },
        { type: 'resume', conn: 2, resumeToken: 'tk' },
      ],
      ['n', '', '0', '', 't', 'tk', '1', ''],
    ],
    ['the janitor’s node-dead', [{ type: 'node-dead', session: 's9', node: 'n3' }], ['s', 's9', '0', '']],
  ])('%s', (_what, events, want) => {
    expect(loadArgs(events)).toEqual(want);
  });
});

describe('relayed signal batches', () => {
  const json = (n: number) =>
    JSON.stringify({ type: 'signal', matchId: 'm1', gen: 0, data: { sdp: `a\nb ${n}` } });

  it('round-trip: ids and the JSON text, byte for byte (newlines inside JSON are escaped)', () => {
    const frames = [
      { to: 's-1', matchId: 'm1', json: json(1) },
      { to: 's-2', matchId: 'm2', json: json(2) },
    ];
    const text = signalBatch(frames);
    expect(text.startsWith(SIGNAL_PREFIX)).toBe(true);
    expect(parseSignalBatch(text)).toEqual(frames);
  });

  it.each([
    ['an envelope (JSON array)', '[{"t":"s-1","d":1}]'],
    ['a cut-short batch', `${SIGNAL_PREFIX}s-1\nm1`],
    ['empty', ''],
  ])('%s yields no signals', (_what, text) => {
    expect(parseSignalBatch(text)).toEqual([]);
  });
});
