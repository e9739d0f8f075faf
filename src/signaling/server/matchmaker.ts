/**
 * The matchmaker: a deterministic state machine `step(state, event, now, rng) → {state, effects}`.
 * No sockets, no timers, no I/O — the broker feeds it events and carries out its effects
 * (send / close / bind / schedule / cancel).
 *
 * For speed at 10k sessions `step` updates `state` in place and returns it: treat the state you
 * passed in as consumed. Given the same state, event, time and rng it always does the same thing.
 *
 * Decisions worth knowing (docs/protocol.md repeats them):
 * - The offerer of a new match is chosen at random; `rebuild` bumps `gen` and keeps the roles.
 * - `next`: the partner gets `partner-left{skipped}` and becomes idle; the sender is re-queued
 *   (`queued`, then `matched` when paired). `leave`: partner-left{left}, both idle. `bye`: leave and
 *   end the session (close 1000, resume token void).
 * - A queued session that loses its socket leaves the queue at once and re-joins it on resume.
 * - An unknown or expired resume token starts a fresh session (`welcome{resumed:false}`).
 * - Signals while the partner is in its grace window are dropped (the pair rebuilds after resume).
 * - `block` adds the current (else last) partner's identity to the session's block set, which
 *   pairing honours both ways; it does not end the match (the client sends `next`). `report` emits
 *   a report effect for the operator's log. Both answer ERR_NO_STRANGER when there is nobody.
 */
import { ErrorCodes, type ErrorCode } from '../../errors.js';
import { PROTOCOL_VERSION, type MatchInfo, type ServerMessage } from '../protocol.js';
import { CloseCodes } from './close-codes.js';
import { commonInterests, pickPartner } from './pairing.js';
import type { Rng } from './rng.js';
import {
  graceKey,
  identityOf,
  interestKey,
  type ClientFacts,
  NO_INTERESTS,
  type ConnId,
  type Effect,
  type MatchEvent,
  type MatchRecord,
  type MatchState,
  type SessionRecord,
  type StepResult,
} from './state.js';

interface Ctx {
  readonly st: MatchState;
  readonly now: number;
  readonly rng: Rng;
  readonly fx: Effect[];
}

export function step(state: MatchState, event: MatchEvent, now: number, rng: Rng): StepResult {
  const cx: Ctx = { st: state, now, rng, fx: [] };
  if (event.type === 'hello') {
    hello(cx, event.conn, event.interests, event);
  } else if (event.type === 'resume') {
    resume(cx, event.conn, event.resumeToken, event.interests, event);
  } else {
    const s = state.sessions.get(event.session);
    if (s) dispatch(cx, s, event);
  }
  return { state, effects: cx.fx };
}

/** Client actions that need a live socket; a session in its grace window cannot send them. */
const NEEDS_SOCKET: ReadonlySet<MatchEvent['type']> = new Set(['join', 'next', 'signal', 'rebuild']);

function dispatch(cx: Ctx, s: SessionRecord, event: Exclude<MatchEvent, { type: 'hello' | 'resume' }>): void {
  if (!s.connected && NEEDS_SOCKET.has(event.type)) return;
  switch (event.type) {
    case 'join':
      return join(cx, s, event.interests);
    case 'next':
      if (s.status === 'matched') endMatch(cx, s, 'skipped');
      return requeue(cx, s);
    case 'leave':
      return leave(cx, s, 'left');
    case 'bye':
      leave(cx, s, 'left');
      removeSession(cx, s, !s.connected);
      cx.fx.push({ type: 'close', to: s.id, code: CloseCodes.NORMAL, reason: 'bye' });
      return;
    case 'socket-lost':
      return socketLost(cx, s);
    case 'grace-expired':
      if (s.connected) return;
      leave(cx, s, 'disconnected');
      return removeSession(cx, s, false);
    case 'interest-window-expired':
      s.interestTimer = false;
      if (s.status !== 'waiting') return;
      cx.st.queue.open(s.id);
      return tryMatch(cx, s);
    case 'signal': {
      const m = currentMatch(cx, s, event.matchId, 'signal');
      if (!m) return;
      if (event.gen !== m.gen) {
        return error(
          cx,
          s,
          ErrorCodes.STALE_MATCH,
          `generation ${event.gen} is stale (now ${m.gen})`,
          'signal',
        );
      }
      const msg: ServerMessage = { type: 'signal', matchId: m.id, gen: m.gen, data: event.data };
      cx.fx.push({ type: 'send', to: partnerOf(m, s.id), msg });
      return;
    }
    case 'rebuild': {
      const m = currentMatch(cx, s, event.matchId, 'rebuild');
      if (!m) return;
      m.gen += 1;
      for (const id of [m.a, m.b]) {
        cx.fx.push({
          type: 'send',
          to: id,
          msg: { type: 'rebuild', matchId: m.id, gen: m.gen, role: roleOf(m, id) },
        });
      }
      return;
    }
    case 'block':
    case 'report':
      return moderate(cx, s, event);
    default: {
      const never: never = event;
      throw new Error(`unhandled matchmaker event ${JSON.stringify(never)}`);
    }
  }
}

// ---------------------------------------------------------------- sessions

function hello(cx: Ctx, conn: ConnId, interests: string[], facts: ClientFacts): void {
  const { st, rng } = cx;
  const s: SessionRecord = {
    id: rng.id('session'),
    resumeToken: rng.id('token'),
    connected: true,
    status: 'idle',
    interests: interests.length > 0 ? interests : NO_INTERESTS,
    matchId: null,
    lastMatchId: null,
    lastPartner: null,
    waitingSince: cx.now,
    requeueOnResume: false,
    interestTimer: false,
  };
  if (facts.identity !== undefined) s.identity = facts.identity;
  if (facts.ipHash !== undefined) s.ipHash = facts.ipHash;
  addBlocks(s, facts.blocked);
  st.sessions.set(s.id, s);
  st.byToken.set(s.resumeToken, s.id);
  cx.fx.push({ type: 'bind', conn, session: s.id });
  cx.fx.push({ type: 'send', to: s.id, msg: welcome(cx, s, false, null) });
}

function resume(
  cx: Ctx,
  conn: ConnId,
  token: string,
  interests: string[] | undefined,
  facts: ClientFacts,
): void {
  const id = cx.st.byToken.get(token);
  const s = id === undefined ? undefined : cx.st.sessions.get(id);
  if (!s) return hello(cx, conn, interests ?? [], facts);
  // The identity a session started with stays (tags were issued for it); blocks and address update.
  if (facts.ipHash !== undefined) s.ipHash = facts.ipHash;
  if (facts.identity === s.identity) addBlocks(s, facts.blocked);
  const wasConnected = s.connected;
  if (wasConnected) {
    cx.fx.push({
      type: 'close',
      to: s.id,
      code: CloseCodes.REPLACED,
      reason: 'resumed on another connection',
    });
  } else {
    cx.fx.push({ type: 'cancel', key: graceKey(s.id) });
  }
  s.connected = true;
  cx.fx.push({ type: 'bind', conn, session: s.id });
  const m = s.matchId === null ? undefined : cx.st.matches.get(s.matchId);
  cx.fx.push({ type: 'send', to: s.id, msg: welcome(cx, s, true, m ? matchInfo(m, s.id) : null) });
  if (m && !wasConnected) {
    cx.fx.push({ type: 'send', to: partnerOf(m, s.id), msg: { type: 'partner-resumed', matchId: m.id } });
  }
  const requeueNow = s.status === 'waiting' || s.requeueOnResume;
  s.requeueOnResume = false;
  if (interests !== undefined && s.status !== 'matched') setInterests(cx, s, interests);
  if (requeueNow) requeue(cx, s);
}

function welcome(cx: Ctx, s: SessionRecord, resumed: boolean, match: MatchInfo | null): ServerMessage {
  const { graceMs, welcome: w } = cx.st.config;
  return {
    type: 'welcome',
    v: PROTOCOL_VERSION,
    sessionId: s.id,
    resumeToken: s.resumeToken,
    resumed,
    match,
    graceMs,
    heartbeatMs: w.heartbeatMs,
    iceServers: w.iceServers,
    maxMessageBytes: w.maxMessageBytes,
  };
}

function socketLost(cx: Ctx, s: SessionRecord): void {
  if (!s.connected) return;
  s.connected = false;
  if (s.status === 'waiting') {
    dequeue(cx, s);
    s.status = 'idle';
    s.requeueOnResume = true;
  }
  const { graceMs } = cx.st.config;
  if (s.status === 'matched' && s.matchId !== null) {
    const m = cx.st.matches.get(s.matchId);
    if (m) {
      cx.fx.push({
        type: 'send',
        to: partnerOf(m, s.id),
        msg: { type: 'partner-reconnecting', matchId: m.id, graceMs },
      });
    }
  }
  const event = { type: 'grace-expired', session: s.id } as const;
  cx.fx.push({ type: 'schedule', key: graceKey(s.id), at: cx.now + graceMs, event });
}

function removeSession(cx: Ctx, s: SessionRecord, cancelGrace: boolean): void {
  dequeue(cx, s);
  cx.st.sessions.delete(s.id);
  cx.st.byToken.delete(s.resumeToken);
  if (cancelGrace) cx.fx.push({ type: 'cancel', key: graceKey(s.id) });
}

// ---------------------------------------------------------------- queue

function join(cx: Ctx, s: SessionRecord, interests: string[] | undefined): void {
  if (s.status === 'matched') {
    return error(cx, s, ErrorCodes.BAD_MESSAGE, 'already matched: send next for another stranger', 'join');
  }
  if (interests !== undefined) setInterests(cx, s, interests);
  requeue(cx, s);
}

function setInterests(cx: Ctx, s: SessionRecord, interests: string[]): void {
  const queued = dequeue(cx, s);
  s.interests = interests.length > 0 ? interests : NO_INTERESTS;
  if (queued) enqueue(cx, s);
}

/** (Re-)enters the queue with a fresh interest window, says `queued`, and tries to pair. */
function requeue(cx: Ctx, s: SessionRecord): void {
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
function enqueue(cx: Ctx, s: SessionRecord): void {
  cx.st.queue.add(s, s.waitingSince + cx.st.config.interestWindowMs);
}

/** Leaves the queue (if queued); returns whether it was. Status is left to the caller. */
function dequeue(cx: Ctx, s: SessionRecord): boolean {
  if (s.interestTimer) {
    s.interestTimer = false;
    cx.fx.push({ type: 'cancel', key: interestKey(s.id) });
  }
  return cx.st.queue.remove(s);
}

// ---------------------------------------------------------------- matches

function tryMatch(cx: Ctx, x: SessionRecord): void {
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
function leave(cx: Ctx, s: SessionRecord, reason: 'left' | 'disconnected'): void {
  if (s.status === 'matched') endMatch(cx, s, reason);
  dequeue(cx, s);
  s.status = 'idle';
  s.requeueOnResume = false;
}

function endMatch(cx: Ctx, s: SessionRecord, reason: 'skipped' | 'left' | 'disconnected'): void {
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
function currentMatch(cx: Ctx, s: SessionRecord, matchId: string, ref: string): MatchRecord | undefined {
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

// ---------------------------------------------------------------- moderation

function addBlocks(s: SessionRecord, identities: readonly string[] | undefined): void {
  if (!identities || identities.length === 0) return;
  s.blocked ??= new Set();
  for (const i of identities) s.blocked.add(i);
}

/** `block` / `report` against the current partner, else the last one. */
function moderate(
  cx: Ctx,
  s: SessionRecord,
  event: { type: 'block' } | { type: 'report'; reason: string },
): void {
  const m = s.matchId === null ? undefined : cx.st.matches.get(s.matchId);
  const partner = m ? cx.st.sessions.get(partnerOf(m, s.id)) : undefined;
  const identity = partner ? identityOf(partner) : s.lastPartnerIdentity;
  const matchId = m?.id ?? s.lastMatchId;
  if (identity === undefined || matchId === null) {
    return error(cx, s, ErrorCodes.NO_STRANGER, `no stranger to ${event.type}`, event.type);
  }
  if (event.type === 'block') return addBlocks(s, [identity]);
  const reported = m ? partnerOf(m, s.id) : (s.lastPartner ?? '');
  const report = {
    matchId,
    reporter: s.id,
    reported,
    reporterIpHash: s.ipHash ?? null,
    reportedIpHash: (partner ? partner.ipHash : s.lastPartnerIpHash) ?? null,
    reason: event.reason,
  };
  cx.fx.push({ type: 'report', report });
}

function matchInfo(m: MatchRecord, id: string): MatchInfo {
  return { matchId: m.id, role: roleOf(m, id), gen: m.gen, interests: m.interests };
}
const roleOf = (m: MatchRecord, id: string) => (m.offerer === id ? 'offerer' : 'answerer');
const partnerOf = (m: MatchRecord, id: string): string => (m.a === id ? m.b : m.a);

function error(cx: Ctx, s: SessionRecord, code: ErrorCode, message: string, ref: string): void {
  cx.fx.push({ type: 'send', to: s.id, msg: { type: 'error', code, message, ref } });
}
