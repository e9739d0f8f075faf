/**
 * The matchmaker's session lifecycle (used by matchmaker.ts): `hello` creates a session, `resume`
 * re-attaches one to a new socket (or starts a fresh one for an unknown token), a socket loss starts
 * the grace window, and a session is removed for good. Pure, like the rest of the matchmaker.
 */
import { PROTOCOL_VERSION, type MatchInfo, type ServerMessage } from '../protocol.js';
import { CloseCodes } from './close-codes.js';
import { dequeue, matchInfo, partnerOf, requeue, setInterests, type Ctx } from './matchmaker-pairs.js';
import { graceKey, NO_INTERESTS, type ClientFacts, type ConnId, type SessionRecord } from './state.js';

export function hello(cx: Ctx, conn: ConnId, interests: string[], facts: ClientFacts): void {
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

export function resume(
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

export function socketLost(cx: Ctx, s: SessionRecord): void {
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

export function removeSession(cx: Ctx, s: SessionRecord, cancelGrace: boolean): void {
  dequeue(cx, s);
  cx.st.sessions.delete(s.id);
  cx.st.byToken.delete(s.resumeToken);
  if (cancelGrace) cx.fx.push({ type: 'cancel', key: graceKey(s.id) });
}

export function addBlocks(s: SessionRecord, identities: readonly string[] | undefined): void {
  if (!identities || identities.length === 0) return;
  s.blocked ??= new Set();
  for (const i of identities) s.blocked.add(i);
}
