/**
 * The pure half of the Redis broker: turns what the `load` script read into a small MatchState the
 * pure matchmaker can `step` on, and turns the state `step` left behind into the `commit` script's
 * version checks and writes. No I/O. The matching rules stay in matchmaker.ts / pairing.ts.
 *
 * The snapshot holds the acting session, its match and partner, and (for events that may pair) the
 * queued strangers a pick may consider: every one sharing an interest (≤ 256) and a random sample of
 * OPEN_PROBES + 1 of the open set. `SampledQueue` reports the real queue size, so the rules that
 * count who else is waiting see the whole queue; with more open strangers than OPEN_PROBES the sample
 * is one larger than the probes, so the skip-repeat rule behaves as on one node.
 */
import { isPicky, isRecentPair, OPEN_PROBES } from './pairing.js';
import { WaitingQueue } from './queue.js';
import type { RedisKeys } from './redis-scripts.js';
import {
  NO_INTERESTS,
  createMatchState,
  type Effect,
  type MatchRecord,
  type MatchState,
  type MatchmakerConfig,
  type SessionRecord,
} from './state.js';

export const SHARING_LOAD_CAP = 256;
/** The full sample: with more open strangers than this, the pick behaves as on one node. */
export const OPEN_SAMPLE = OPEN_PROBES + 1;
/** The first, cheap sample; the event runs again on the full one when that could change the pick. */
export const OPEN_SAMPLE_SMALL = 8;

export interface LoadedSession {
  /** Canonical JSON of the record as loaded (step mutates `rec`; this stays). */
  json: string;
  rec: SessionRecord;
  node: string;
  ver: number;
  /** Deadlines of the grace and interest-window timers last scheduled for it (NaN if none). */
  graceAt: number;
  windowAt: number;
  open: boolean;
  /** Its node's liveness key is fresh. */
  alive: boolean;
}

export interface LoadedMatch {
  json: string;
  rec: MatchRecord;
  ver: number;
}

export interface Snapshot {
  /** Per event of the batch, the session it resolved to (null: none, e.g. hello or unknown token). */
  sids: (string | null)[];
  qv: number;
  qsize: number;
  /** Size of the open set in Redis. */
  osize: number;
  sessions: Map<string, LoadedSession>;
  matches: Map<string, LoadedMatch>;
}

/** Sets (e.g. `blocked`) travel as `{"$set": [...]}`; every other field is plain JSON. */
const replacer = (_key: string, v: unknown): unknown =>
  v instanceof Set ? { $set: [...(v as Set<unknown>)] } : v;
const reviver = (_key: string, v: unknown): unknown =>
  typeof v === 'object' && v !== null && '$set' in v && Array.isArray(v.$set) ? new Set(v.$set) : v;

/**
 * A session record as JSON, whatever fields it has (so new SessionRecord fields need no change here).
 * Two records with the same fields in the same order give the same string; that is how the commit
 * tells what `step` changed.
 */
export const sessionJson = (s: SessionRecord): string => JSON.stringify(s, replacer);

export function parseSession(json: string): SessionRecord {
  const s = JSON.parse(json, reviver) as SessionRecord;
  if (s.interests.length === 0) s.interests = NO_INTERESTS;
  return s;
}

export const matchJson = (m: MatchRecord): string => JSON.stringify(m, replacer);
export const parseMatch = (json: string): MatchRecord => JSON.parse(json, reviver) as MatchRecord;

const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

/** Parses the `load` script's answer. */
export function parseLoad(raw: string): Snapshot {
  const o = JSON.parse(raw) as {
    sids: unknown;
    qv: number;
    qsize: number;
    osize: number;
    recs: unknown;
    ms: unknown;
  };
  const sessions = new Map<string, LoadedSession>();
  for (const r of list<[string, string, string, string, string, string, string, string, number, number]>(
    o.recs,
  )) {
    const rec = parseSession(r[1]);
    sessions.set(r[0], {
      json: sessionJson(rec),
      rec,
      node: r[2],
      ver: Number(r[3]),
      graceAt: r[6] === '' ? NaN : Number(r[6]),
      windowAt: r[7] === '' ? NaN : Number(r[7]),
      open: r[8] === 1,
      alive: r[9] === 1,
    });
  }
  const matches = new Map<string, LoadedMatch>();
  for (const [id, json, ver] of list<[string, string, string]>(o.ms)) {
    const rec = parseMatch(json);
    matches.set(id, { json: matchJson(rec), rec, ver: Number(ver) });
  }
  const sids = list<string>(o.sids).map((x) => (x === '' ? null : x));
  return { sids, qv: o.qv, qsize: o.qsize, osize: o.osize, sessions, matches };
}

/**
 * Whether a pick made on the small open sample might differ from one on the full sample: the session
 * takes anyone, more strangers are open than were loaded, and it found nobody, or only a recent partner.
 */
export function needsFullSample(
  snap: Snapshot,
  sid: string | null,
  post: MatchState,
  loaded: number,
  now: number,
): boolean {
  const x = sid === null ? undefined : post.sessions.get(sid);
  if (!x || snap.osize <= loaded || isPicky(x, now, post.config.interestWindowMs)) return false;
  if (x.status === 'waiting') return true;
  const m = x.matchId === null ? undefined : post.matches.get(x.matchId);
  const y = m ? post.sessions.get(m.a === x.id ? m.b : m.a) : undefined;
  return y !== undefined && !snap.matches.has(m!.id) && isRecentPair(x, y);
}

/** A WaitingQueue over a sample of the real queue that reports the real queue's size. */
export class SampledQueue extends WaitingQueue {
  /** Queued sessions in Redis that are not in this sample. */
  unloaded = 0;
  override get size(): number {
    return super.size + this.unloaded;
  }
}

/** The MatchState `step` runs on. */
export function buildState(snap: Snapshot, config: MatchmakerConfig): MatchState {
  const base = createMatchState(config);
  const queue = new SampledQueue();
  const st: MatchState = { ...base, queue };
  let queued = 0;
  for (const [id, s] of snap.sessions) {
    st.sessions.set(id, s.rec);
    st.byToken.set(s.rec.resumeToken, id);
    if (s.rec.status !== 'waiting') continue;
    queued += 1;
    queue.add(s.rec, s.rec.waitingSince + config.interestWindowMs);
    if (s.open) queue.open(id);
  }
  queue.unloaded = Math.max(0, snap.qsize - queued);
  for (const [id, m] of snap.matches) st.matches.set(id, m.rec);
  return st;
}

/** A node's copy of a session it owns (see RedisBroker.owned). */
export interface CachedSession {
  /** The record's version in Redis: a copy only replaces one with a lower or equal version. */
  ver: number;
  json: string;
  match: string | null;
  /** The current match's id (parsed once, for the relay's checks). */
  matchId: string | null;
  /** The node that owns the partner's socket. */
  peer: string | null;
}

export interface CommitPlan {
  checks: [kind: 'h' | 'k', key: string, expected: string][];
  ops: string[][];
  /** Owner node of every session in the snapshot after the event (binds move them to this node). */
  owner: Map<string, string>;
  /**
   * What the owners' caches must learn: sessions that changed or appeared, and the partners of those
   * and members of changed matches — each with its JSON, its match's JSON and its partner's node.
   */
  changed: Map<string, CachedSession>;
  /** Sessions that were removed. */
  removed: Set<string>;
  /** Sessions that moved here from another node: [session, previous owner]. */
  moved: [string, string][];
}

/** Compares the state after `step` with the snapshot and plans the commit. */
export function planCommit(
  snap: Snapshot,
  post: MatchState,
  effects: readonly Effect[],
  me: string,
  keys: RedisKeys,
): CommitPlan {
  const plan: CommitPlan = {
    checks: [],
    ops: [],
    owner: new Map(),
    changed: new Map(),
    removed: new Set(),
    moved: [],
  };
  const { checks, ops, owner } = plan;
  const windowMs = post.config.interestWindowMs;
  const timers = new Map<string, { g?: number; w?: number }>();
  for (const [id, s] of snap.sessions) owner.set(id, s.node);
  for (const fx of effects) {
    if (fx.type === 'bind') owner.set(fx.session, me);
    if (fx.type !== 'schedule') continue;
    const t = timers.get(fx.event.session) ?? {};
    if (fx.event.type === 'grace-expired') t.g = fx.at;
    else t.w = fx.at;
    timers.set(fx.event.session, t);
  }
  let wakeCheck = false;
  const dequeue = (s: SessionRecord): void => {
    ops.push(['SREM', keys.queue, s.id], ['SREM', keys.open, s.id], ['ZREM', keys.picky, s.id]);
    for (const i of s.interests) ops.push(['SREM', keys.interest(i), s.id]);
  };
  const enqueue = (s: SessionRecord): void => {
    ops.push(['SADD', keys.queue, s.id]);
    for (const i of s.interests) ops.push(['SADD', keys.interest(i), s.id]);
    if (post.queue.isOpen(s.id)) ops.push(['SADD', keys.open, s.id]);
    else ops.push(['ZADD', keys.picky, String(s.waitingSince + windowMs), s.id]);
  };
  for (const [id, pre] of snap.sessions) {
    const cur = post.sessions.get(id);
    const key = keys.session(id);
    // The loaded record (step mutated `pre.rec`): its interests are the ones it is indexed under.
    const preRec = parseSession(pre.json);
    if (!cur) {
      checks.push(['h', key, String(pre.ver)]);
      ops.push(['DEL', key], ['DEL', keys.token(preRec.resumeToken)], ['SREM', keys.owned(pre.node), id]);
      if (preRec.status === 'waiting') dequeue(preRec);
      plan.removed.add(id);
      continue;
    }
    const json = sessionJson(cur);
    const node = owner.get(id) as string;
    const t = timers.get(id);
    if (json === pre.json && node === pre.node && !t) continue;
    checks.push(['h', key, String(pre.ver)]);
    if (preRec.status === 'waiting') dequeue(preRec);
    if (post.queue.has(id)) {
      enqueue(cur);
      if (preRec.status !== 'waiting' || preRec.waitingSince !== cur.waitingSince) wakeCheck = true;
    }
    if (node !== pre.node) {
      ops.push(['SREM', keys.owned(pre.node), id], ['SADD', keys.owned(node), id]);
      plan.moved.push([id, pre.node]);
    }
    ops.push(['HSET', key, ...sessionFields(cur, node, pre.ver + 1), ...timerFields(t)]);
    plan.changed.set(id, { ver: pre.ver + 1, json, match: null, matchId: cur.matchId, peer: null });
  }
  for (const [id, cur] of post.sessions) {
    if (snap.sessions.has(id)) continue;
    const node = owner.get(id) ?? me;
    owner.set(id, node);
    const key = keys.session(id);
    checks.push(['h', key, '0']);
    ops.push(['HSET', key, ...sessionFields(cur, node, 1), ...timerFields(timers.get(id))]);
    ops.push(['SET', keys.token(cur.resumeToken), id], ['SADD', keys.owned(node), id]);
    if (post.queue.has(id)) {
      enqueue(cur);
      wakeCheck = true;
    }
    plan.changed.set(id, { ver: 1, json: sessionJson(cur), match: null, matchId: cur.matchId, peer: null });
  }
  for (const [id, pre] of snap.matches) {
    const cur = post.matches.get(id);
    if (cur && matchJson(cur) === pre.json) continue;
    checks.push(['h', keys.match(id), String(pre.ver)]);
    if (!cur) ops.push(['DEL', keys.match(id)]);
    else ops.push(['HSET', keys.match(id), 'j', matchJson(cur), 'v', String(pre.ver + 1)]);
  }
  for (const [id, m] of post.matches) {
    if (snap.matches.has(id)) continue;
    ops.push(['HSET', keys.match(id), 'j', matchJson(m), 'v', '1', 'a', m.a, 'b', m.b]);
  }
  if (wakeCheck) {
    // Lost wake-up: two strangers loaded concurrently, neither saw the other, both would wait. Any
    // commit that leaves someone newly waiting requires that nobody else was queued since its load.
    checks.push(['k', keys.queueVersion, String(snap.qv)]);
    ops.push(['INCR', keys.queueVersion]);
  }
  // Caches also follow a partner that moved node, and a match whose generation moved.
  for (const [id, cur] of post.sessions) {
    if (plan.changed.has(id) || cur.matchId === null) continue;
    const m = post.matches.get(cur.matchId);
    const pre = snap.matches.get(cur.matchId);
    const partner = m ? (m.a === id ? m.b : m.a) : undefined;
    const partnerMoved = partner !== undefined && snap.sessions.get(partner)?.node !== owner.get(partner);
    const ver = snap.sessions.get(id)?.ver ?? 0;
    if (partnerMoved || plan.changed.has(partner ?? '') || (m && pre && matchJson(m) !== pre.json)) {
      plan.changed.set(id, { ver, json: sessionJson(cur), match: null, matchId: cur.matchId, peer: null });
    }
  }
  for (const [id, c] of plan.changed) {
    const m = c.matchId === null ? undefined : post.matches.get(c.matchId);
    c.match = m ? matchJson(m) : null;
    c.peer = m ? (owner.get(m.a === id ? m.b : m.a) ?? null) : null;
  }
  return plan;
}

export function sessionFields(s: SessionRecord, node: string, ver: number): string[] {
  return ['j', sessionJson(s), 'n', node, 'v', String(ver), 'm', s.matchId ?? '', 'i', s.interests.join(',')];
}

function timerFields(t: { g?: number; w?: number } | undefined): string[] {
  const out: string[] = [];
  if (t?.g !== undefined) out.push('g', String(t.g));
  if (t?.w !== undefined) out.push('w', String(t.w));
  return out;
}
