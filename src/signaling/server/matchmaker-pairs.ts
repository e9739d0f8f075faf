/**
 * The matchmaker's queue and match operations (used by matchmaker.ts and matchmaker-sessions.ts):
 * entering and leaving the queue, pairing, ending a match, and the shared step context. Pure: they
 * mutate the MatchState they are given and push effects; no I/O, no timers.
 */
import { ErrorCodes, type ErrorCode } from '../../errors.js';
import type { MatchInfo, ServerMessage } from '../protocol.js';
import { commonInterests, pickPartner } from './pairing.js';
import type { Rng } from './rng.js';
import {
  identityOf,
  interestKey,
  NO_INTERESTS,
  type Effect,
  type MatchRecord,
  type MatchState,
  type SessionRecord,
} from './state.js';

/** What one `step` works on: the state (mutated in place), the time, the rng and the effects so far. */
export interface Ctx {
  readonly st: MatchState;
  readonly now: number;
  readonly rng: Rng;
  readonly fx: Effect[];
}

// ---------------------------------------------------------------- queue

export function join(cx: Ctx, s: SessionRecord, interests: string[] | undefined): void {
  if (s.status === 'matched') {
    return error(cx, s, ErrorCodes.BAD_MESSAGE, 'already matched: send next for another stranger', 'join');
  }
  if (interests !== undefined) setInterests(cx, s, interests);
  requeue(cx, s);
}

export function setInterests(cx: Ctx, s: SessionRecord, interests: string[]): void {
  const queued = dequeue(cx, s);
  s.interests = interests.length > 0 ? interests : NO_INTERESTS;
  if (queued) enqueue(cx, s);
}

/** (Re-)enters the queue with a fresh interest window, says `queued`, and tries to pair. */
export function requeue(cx: Ctx, s: SessionRecord): void {
  dequeue(cx, s);
  s.status = 'waiting';
  s.waitingSince = cx.now;
  enqueue(cx, s);
  cx.fx.push({ type: 'send', to: s.id, msg: { type: 'queued' } });
  tryMatch(cx, s);
  if (s.status === 'waiting' && s.interests.length > 0 && !s.interestTimer) {
    s.interestTimer = true;
    const event = { type: 'interest-window-expired', session: s.id } as const;
    const at = s.waitingSince + cx.st.config.interestWindowMs;
    cx.fx.push({ type: 'schedule', key: interestKey(s.id), at, event });
  }
}

/** Enters the queue; with interests, anyone may take it once its window (from waitingSince) ends. */
export function enqueue(cx: Ctx, s: SessionRecord): void {
  cx.st.queue.add(s, s.waitingSince + cx.st.config.interestWindowMs);
}

/** Leaves the queue (if queued); returns whether it was. Status is left to the caller. */
export function dequeue(cx: Ctx, s: SessionRecord): boolean {
  if (s.interestTimer) {
    s.interestTimer = false;
    cx.fx.push({ type: 'cancel', key: interestKey(s.id) });
  }
  return cx.st.queue.remove(s);
}

// ---------------------------------------------------------------- matches

export function tryMatch(cx: Ctx, x: SessionRecord): void {
  cx.st.queue.openDue(cx.now);
  const y = pickPartner(cx.st, x, cx.now, cx.rng);
  if (!y) return;
  dequeue(cx, x);
  dequeue(cx, y);
  const m: MatchRecord = {
    id: cx.rng.id('match'),
    a: x.id,
    b: y.id,
    offerer: cx.rng.random() < 0.5 ? x.id : y.id,
    gen: 0,
    interests: commonInterests(x, y),
  };
  cx.st.matches.set(m.id, m);
  const tag = cx.st.config.peerTag;
  for (const [s, other] of [
    [x, y],
    [y, x],
  ] as const) {
    s.status = 'matched';
    s.matchId = m.id;
    const msg: ServerMessage = { type: 'matched', ...matchInfo(m, s.id) };
    if (tag) msg.peerTag = tag(identityOf(s), identityOf(other));
    cx.fx.push({ type: 'send', to: s.id, msg });
  }
}

/** Leaves the queue or ends the current match (partner told `reason`); the session becomes idle. */
export function leave(cx: Ctx, s: SessionRecord, reason: 'left' | 'disconnected'): void {
  if (s.status === 'matched') endMatch(cx, s, reason);
  dequeue(cx, s);
  s.status = 'idle';
  s.requeueOnResume = false;
}

export function endMatch(cx: Ctx, s: SessionRecord, reason: 'skipped' | 'left' | 'disconnected'): void {
  const m = s.matchId === null ? undefined : cx.st.matches.get(s.matchId);
  s.status = 'idle';
  s.matchId = null;
  if (!m) return;
  cx.st.matches.delete(m.id);
  const p = cx.st.sessions.get(partnerOf(m, s.id));
  for (const [me, other] of [
    [s, p],
    [p, s],
  ] as const) {
    if (!me) continue;
    me.status = 'idle';
    me.matchId = null;
    me.lastMatchId = m.id;
    me.lastPartner = other?.id ?? null;
    if (other) {
      me.lastPartnerIdentity = identityOf(other);
      if (other.ipHash !== undefined) me.lastPartnerIpHash = other.ipHash;
    }
  }
  if (p) cx.fx.push({ type: 'send', to: p.id, msg: { type: 'partner-left', matchId: m.id, reason } });
}

/** The match `matchId` names if it is the session's current one; otherwise sends a coded error. */
export function currentMatch(
  cx: Ctx,
  s: SessionRecord,
  matchId: string,
  ref: string,
): MatchRecord | undefined {
  if (s.matchId === null) {
    if (matchId === s.lastMatchId) error(cx, s, ErrorCodes.STALE_MATCH, 'that match has ended', ref);
    else error(cx, s, ErrorCodes.NOT_MATCHED, 'not in a match', ref);
    return undefined;
  }
  if (matchId !== s.matchId) {
    error(cx, s, ErrorCodes.STALE_MATCH, 'not your current match', ref);
    return undefined;
  }
  return cx.st.matches.get(matchId);
}

export function matchInfo(m: MatchRecord, id: string): MatchInfo {
  return { matchId: m.id, role: roleOf(m, id), gen: m.gen, interests: m.interests };
}
export const roleOf = (m: MatchRecord, id: string) => (m.offerer === id ? 'offerer' : 'answerer');
export const partnerOf = (m: MatchRecord, id: string): string => (m.a === id ? m.b : m.a);

export function error(cx: Ctx, s: SessionRecord, code: ErrorCode, message: string, ref: string): void {
  cx.fx.push({ type: 'send', to: s.id, msg: { type: 'error', code, message, ref } });
}
