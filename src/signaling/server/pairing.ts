/**
 * Who a waiting session is paired with. Pure: reads the state, picks with the injected rng.
 *
 * Rules, in order:
 * 1. A joiner with interests first looks among queued strangers sharing one of them.
 * 2. During its interest window a joiner with interests ("picky") takes nobody else; a picky
 *    stranger in the queue is likewise only taken by someone sharing an interest with them.
 * 3. Otherwise anyone eligible, picked at random (never the two oldest by rule) from the queue's
 *    open set — the strangers who take anyone — with at most OPEN_PROBES probes.
 * Skip-repeat: the stranger you last parted from (you skipped them, they skipped you, or either
 * left) is only taken when no other eligible stranger is waiting.
 * Blocks: two sessions are never paired when either one blocked the other's identity. A picky joiner whose only sharer
 * is that stranger holds off while anyone else waits; its window timer re-runs pairing later.
 */
import type { Rng } from './rng.js';
import { identityOf, type MatchState, type SessionRecord } from './state.js';

/** At most this many interest-sharing candidates are considered per pairing attempt. */
const SHARING_CAP = 256;
/** At most this many open strangers (see queue.ts) are probed per pairing attempt. */
export const OPEN_PROBES = 64;

export function isPicky(s: SessionRecord, now: number, windowMs: number): boolean {
  return s.interests.length > 0 && now < s.waitingSince + windowMs;
}

export function sharesInterest(x: SessionRecord, y: SessionRecord): boolean {
  if (x.interests.length === 0 || y.interests.length === 0) return false;
  return x.interests.some((i) => y.interests.includes(i));
}

/** Common interests, sorted. */
export function commonInterests(x: SessionRecord, y: SessionRecord): string[] {
  return x.interests.filter((i) => y.interests.includes(i)).sort();
}

/** Whether x and y parted last time (either direction). */
export function isRecentPair(x: SessionRecord, y: SessionRecord): boolean {
  return x.lastPartner === y.id || y.lastPartner === x.id;
}

/** Whether either of x and y blocked the other. */
export function isBlocked(x: SessionRecord, y: SessionRecord): boolean {
  return (x.blocked?.has(identityOf(y)) ?? false) || (y.blocked?.has(identityOf(x)) ?? false);
}

/** Whether x and y may be paired right now as far as interests and blocks go. */
export function eligible(x: SessionRecord, y: SessionRecord, now: number, windowMs: number): boolean {
  if (x.id === y.id || isBlocked(x, y)) return false;
  const shared = sharesInterest(x, y);
  return (shared || !isPicky(x, now, windowMs)) && (shared || !isPicky(y, now, windowMs));
}

interface Pick {
  found: SessionRecord | null;
  /** An eligible candidate that is a recent partner, kept as a last resort. */
  recent: SessionRecord | null;
}

/**
 * Probes up to `limit` of `n` candidates, in order from a random start; returns the first eligible
 * non-recent one.
 */
function scan(
  st: MatchState,
  x: SessionRecord,
  n: number,
  limit: number,
  idAt: (i: number) => string | undefined,
  now: number,
  rng: Rng,
): Pick {
  const windowMs = st.config.interestWindowMs;
  let recent: SessionRecord | null = null;
  const start = Math.floor(rng.random() * n);
  for (let k = 0; k < limit; k++) {
    const id = idAt((start + k) % n);
    if (id === undefined || id === x.id) continue;
    const y = st.sessions.get(id);
    if (!y || y.status !== 'waiting' || !y.connected || !eligible(x, y, now, windowMs)) continue;
    if (isRecentPair(x, y)) {
      recent ??= y;
      continue;
    }
    return { found: y, recent };
  }
  return { found: null, recent };
}

/**
 * Picks a partner for the waiting session `x`, or null to keep it waiting. The queue's open set
 * must be up to date (`openDue(now)`). Costs O(SHARING_CAP + OPEN_PROBES), whatever the queue size.
 */
export function pickPartner(st: MatchState, x: SessionRecord, now: number, rng: Rng): SessionRecord | null {
  const q = st.queue;
  let recent: SessionRecord | null = null;
  if (x.interests.length > 0) {
    const sharing = q.sharing(x.interests, x.id, SHARING_CAP);
    const pick = scan(st, x, sharing.length, sharing.length, (i) => sharing[i], now, rng);
    if (pick.found) return pick.found;
    recent = pick.recent;
    if (isPicky(x, now, st.config.interestWindowMs)) {
      const othersWaiting = q.size - (q.has(x.id) ? 1 : 0);
      return recent && othersWaiting === 1 ? recent : null;
    }
  }
  // x takes anyone now; the strangers who take anyone are exactly the open set.
  const n = q.openSize;
  const pick = scan(st, x, n, Math.min(n, OPEN_PROBES), (i) => q.openAt(i), now, rng);
  if (pick.found) return pick.found;
  // Every probe hit x or a recent partner. Take a recent one only if the probes saw everyone open;
  // otherwise x waits (it is open itself, so the next joiner takes it).
  return n > OPEN_PROBES ? null : (recent ?? pick.recent);
}
