/**
 * The pure load side of the Redis broker: turns what the `load` script read into a small MatchState
 * the pure matchmaker can `step` on (redis-commit.ts turns the state `step` left behind into the
 * `commit` script's checks and writes). No I/O. The matching rules stay in matchmaker.ts / pairing.ts.
 *
 * The snapshot holds the acting session, its match and partner, and (for events that may pair) the
 * queued strangers a pick may consider: every one sharing an interest (≤ 256) and a random sample of
 * OPEN_PROBES + 1 of the open set. `SampledQueue` reports the real queue size, so the rules that
 * count who else is waiting see the whole queue; with more open strangers than OPEN_PROBES the sample
 * is one larger than the probes, so the skip-repeat rule behaves as on one node.
 */
import { isPicky, isRecentPair, OPEN_PROBES } from './pairing.js';
import { WaitingQueue } from './queue.js';
import {
  NO_INTERESTS,
  createMatchState,
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
  /** JSON of the record as loaded (step mutates `rec`; this stays). */
  json: string;
  rec: SessionRecord;
  /** The loaded record's fields the commit needs to undo its indexing (step may change them in `rec`). */
  was: Pick<SessionRecord, 'id' | 'status' | 'interests' | 'waitingSince' | 'resumeToken'>;
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

/**
 * Sets (e.g. `blocked`) travel as `{"$set": [...]}`; every other field is plain JSON. Only top-level
 * fields may be Sets: parsing converts them after a plain `JSON.parse` (a reviver, called for every
 * value, made parsing several times slower, and the broker parses every record it loads).
 */
const replacer = (_key: string, v: unknown): unknown =>
  v instanceof Set ? { $set: [...(v as Set<unknown>)] } : v;

function revive<T>(json: string): T {
  const o = JSON.parse(json) as Record<string, unknown>;
  for (const k in o) {
    const v = o[k];
    if (typeof v === 'object' && v !== null && '$set' in v && Array.isArray(v.$set)) o[k] = new Set(v.$set);
  }
  return o as T;
}

/**
 * A session record as JSON, whatever fields it has (so new SessionRecord fields need no change here).
 * Two records with the same fields in the same order give the same string; that is how the commit
 * tells what `step` changed. Records are stored as this text, so what is loaded is canonical too.
 */
export const sessionJson = (s: SessionRecord): string => JSON.stringify(s, replacer);

export function parseSession(json: string): SessionRecord {
  const s = revive<SessionRecord>(json);
  if (s.interests.length === 0) s.interests = NO_INTERESTS;
  return s;
}

export const matchJson = (m: MatchRecord): string => JSON.stringify(m, replacer);
export const parseMatch = (json: string): MatchRecord => revive<MatchRecord>(json);

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
    const { id, status, interests, waitingSince, resumeToken } = rec;
    sessions.set(r[0], {
      json: r[1],
      rec,
      was: { id, status, interests, waitingSince, resumeToken },
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
    matches.set(id, { json, rec, ver: Number(ver) });
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
