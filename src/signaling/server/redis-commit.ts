/**
 * The pure commit side of the Redis broker: compares the state `step` left behind with the snapshot
 * it started from (redis-snapshot.ts) and plans the `commit` script's version checks and writes, and
 * what the owners' copies of their sessions must learn. No I/O.
 */
import type { RedisKeys } from './redis-scripts.js';
import { matchJson, sessionJson, type Snapshot } from './redis-snapshot.js';
import type { Effect, MatchState, SessionRecord } from './state.js';

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
  /** 'h'/'k' must hold or nothing is written; 'q' (the queue version) is only reported (see `woken`). */
  checks: [kind: 'h' | 'k' | 'q', key: string, expected: string][];
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
  /**
   * Sessions this commit leaves newly waiting. If another node queued someone between this batch's
   * load and its commit (the queue version moved), neither may have seen the other: each of these
   * gets a `wake` event, which looks for a partner again on a fresh load.
   */
  woken: string[];
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
    woken: [],
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
  const dequeue = (s: Pick<SessionRecord, 'id' | 'interests'>): void => {
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
    const preRec = pre.was;
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
      if (preRec.status !== 'waiting' || preRec.waitingSince !== cur.waitingSince) plan.woken.push(id);
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
      plan.woken.push(id);
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
  if (plan.woken.length > 0) {
    // Lost wake-up: two strangers loaded concurrently, neither saw the other, both would wait. Any
    // commit that leaves someone newly waiting bumps the queue version and learns whether it moved
    // since its load; if it did, its newly waiting sessions look again (`woken`).
    checks.push(['q', keys.queueVersion, String(snap.qv)]);
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
