/** The wire protocol's parse functions, table-style: what is accepted, and the code for what is not. */
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import {
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  encode,
  normalizeInterests,
  parseClientMessage,
  parseServerMessage,
  type ClientMessage,
  type MatchInfo,
  type SignalData,
  type ServerMessage,
} from '../../src/signaling/protocol.js';

const offer: SignalData = { kind: 'description', type: 'offer', sdp: 'v=0\r\n' };
const cand: SignalData = {
  kind: 'candidate',
  candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host',
  sdpMid: '0',
  sdpMLineIndex: 0,
};

describe('parseClientMessage accepts', () => {
  it.each<[string, unknown, ClientMessage]>([
    ['hello', { type: 'hello', v: 1 }, { type: 'hello', v: 1 }],
    [
      'hello with everything',
      {
        type: 'hello',
        v: 1,
        interests: [' Music ', 'music', 'Go'],
        resumeToken: 't',
        client: 'bot',
        extra: 1,
      },
      { type: 'hello', v: 1, interests: ['music', 'go'], resumeToken: 't', client: 'bot' },
    ],
    ['join', { type: 'join' }, { type: 'join' }],
    [
      'join with interests',
      { type: 'join', interests: ['c++', 'c#'] },
      { type: 'join', interests: ['c++', 'c#'] },
    ],
    ['next', { type: 'next' }, { type: 'next' }],
    ['leave', { type: 'leave' }, { type: 'leave' }],
    ['bye', { type: 'bye' }, { type: 'bye' }],
    ['ping', { type: 'ping', t: 12.5 }, { type: 'ping', t: 12.5 }],
    ['rebuild', { type: 'rebuild', matchId: 'm' }, { type: 'rebuild', matchId: 'm' }],
    [
      'offer',
      { type: 'signal', matchId: 'm', gen: 0, data: offer },
      { type: 'signal', matchId: 'm', gen: 0, data: offer },
    ],
    [
      'candidate',
      { type: 'signal', matchId: 'm', gen: 2, data: cand },
      { type: 'signal', matchId: 'm', gen: 2, data: cand },
    ],
    [
      'candidate with nulls',
      {
        type: 'signal',
        matchId: 'm',
        gen: 0,
        data: { kind: 'candidate', candidate: '', sdpMid: null, sdpMLineIndex: null },
      },
      {
        type: 'signal',
        matchId: 'm',
        gen: 0,
        data: { kind: 'candidate', candidate: '', sdpMid: null, sdpMLineIndex: null },
      },
    ],
    [
      'end of candidates',
      { type: 'signal', matchId: 'm', gen: 0, data: { kind: 'end-of-candidates' } },
      { type: 'signal', matchId: 'm', gen: 0, data: { kind: 'end-of-candidates' } },
    ],
  ])('%s', (_name, raw, expected) => {
    expect(parseClientMessage(JSON.stringify(raw))).toEqual({ ok: true, msg: expected });
    expect(parseClientMessage(raw)).toEqual({ ok: true, msg: expected }); // already-parsed JSON too
  });
});

describe('parseClientMessage refuses', () => {
  it.each<[string, unknown, string, string | undefined]>([
    ['not JSON', '{"type":', ErrorCodes.BAD_JSON, undefined],
    ['an array', '[1,2]', ErrorCodes.BAD_MESSAGE, undefined],
    ['null', 'null', ErrorCodes.BAD_MESSAGE, undefined],
    ['a string', '"hello"', ErrorCodes.BAD_MESSAGE, undefined],
    ['no type', { v: 1 }, ErrorCodes.BAD_MESSAGE, undefined],
    ['a numeric type', { type: 7 }, ErrorCodes.BAD_MESSAGE, undefined],
    ['an unknown type', { type: 'teleport' }, ErrorCodes.UNKNOWN_TYPE, 'teleport'],
    ['a server-only type', { type: 'matched' }, ErrorCodes.UNKNOWN_TYPE, 'matched'],
    ['hello without v', { type: 'hello' }, ErrorCodes.BAD_MESSAGE, 'hello'],
    ['hello with a string v', { type: 'hello', v: '1' }, ErrorCodes.BAD_MESSAGE, 'hello'],
    ['hello with a fractional v', { type: 'hello', v: 1.5 }, ErrorCodes.BAD_MESSAGE, 'hello'],
    ['interests not an array', { type: 'join', interests: 'music' }, ErrorCodes.BAD_MESSAGE, 'join'],
    ['interests of numbers', { type: 'join', interests: [1] }, ErrorCodes.BAD_MESSAGE, 'join'],
    ['an interest with escapes', { type: 'join', interests: ['\u001b[2J'] }, ErrorCodes.BAD_MESSAGE, 'join'],
    ['a too-long interest', { type: 'join', interests: ['x'.repeat(33)] }, ErrorCodes.BAD_MESSAGE, 'join'],
    ['11 interests', { type: 'join', interests: 'abcdefghijk'.split('') }, ErrorCodes.BAD_MESSAGE, 'join'],
    [
      'a too-long resume token',
      { type: 'hello', v: 1, resumeToken: 'x'.repeat(129) },
      ErrorCodes.BAD_MESSAGE,
      'hello',
    ],
    ['signal without data', { type: 'signal', matchId: 'm', gen: 0 }, ErrorCodes.BAD_MESSAGE, 'signal'],
    ['signal without gen', { type: 'signal', matchId: 'm', data: offer }, ErrorCodes.BAD_MESSAGE, 'signal'],
    [
      'signal with a negative gen',
      { type: 'signal', matchId: 'm', gen: -1, data: offer },
      ErrorCodes.BAD_MESSAGE,
      'signal',
    ],
    [
      'signal with an empty matchId',
      { type: 'signal', matchId: '', gen: 0, data: offer },
      ErrorCodes.BAD_MESSAGE,
      'signal',
    ],
    [
      'signal of unknown kind',
      { type: 'signal', matchId: 'm', gen: 0, data: { kind: 'x' } },
      ErrorCodes.BAD_MESSAGE,
      'signal',
    ],
    [
      'a description of type pranswer',
      { type: 'signal', matchId: 'm', gen: 0, data: { ...offer, type: 'pranswer' } },
      ErrorCodes.BAD_MESSAGE,
      'signal',
    ],
    [
      'an SDP over 32 KB',
      { type: 'signal', matchId: 'm', gen: 0, data: { ...offer, sdp: 'x'.repeat(32 * 1024 + 1) } },
      ErrorCodes.BAD_MESSAGE,
      'signal',
    ],
    [
      'a candidate index out of range',
      { type: 'signal', matchId: 'm', gen: 0, data: { ...cand, sdpMLineIndex: 256 } },
      ErrorCodes.BAD_MESSAGE,
      'signal',
    ],
    ['ping with NaN-ish t', { type: 'ping', t: 'now' }, ErrorCodes.BAD_MESSAGE, 'ping'],
    ['rebuild without matchId', { type: 'rebuild' }, ErrorCodes.BAD_MESSAGE, 'rebuild'],
  ])('%s', (_name, raw, code, ref) => {
    const result = parseClientMessage(typeof raw === 'string' ? raw : JSON.stringify(raw));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(code);
    expect(result.error.ref).toBe(ref);
    expect(result.error.message.length).toBeGreaterThan(0);
  });

  it('a frame over the byte limit, before parsing it', () => {
    const raw = JSON.stringify({ type: 'ping', t: 1, pad: 'x'.repeat(MAX_MESSAGE_BYTES) });
    expect(parseClientMessage(raw)).toMatchObject({ ok: false, error: { code: ErrorCodes.TOO_LARGE } });
    expect(parseClientMessage(raw, raw.length)).toMatchObject({ ok: true });
  });
});

describe('parseServerMessage', () => {
  const match: MatchInfo = { matchId: 'm', role: 'offerer', gen: 0, interests: ['music'] };
  it.each<[string, ServerMessage]>([
    [
      'welcome',
      {
        type: 'welcome',
        v: PROTOCOL_VERSION,
        sessionId: 's',
        resumeToken: 't',
        resumed: true,
        match,
        graceMs: 20000,
        heartbeatMs: 15000,
        iceServers: [
          { urls: ['stun:127.0.0.1:3478'] },
          { urls: 'turn:127.0.0.1', username: 'u', credential: 'p' },
        ],
        maxMessageBytes: 65536,
      },
    ],
    ['queued', { type: 'queued' }],
    ['matched', { type: 'matched', ...match }],
    ['signal', { type: 'signal', matchId: 'm', gen: 1, data: offer }],
    ['rebuild', { type: 'rebuild', matchId: 'm', gen: 1, role: 'answerer' }],
    ['partner-reconnecting', { type: 'partner-reconnecting', matchId: 'm', graceMs: 100 }],
    ['partner-resumed', { type: 'partner-resumed', matchId: 'm' }],
    ['partner-left', { type: 'partner-left', matchId: 'm', reason: 'skipped' }],
    ['pong', { type: 'pong', t: 5 }],
    ['error', { type: 'error', code: 'ERR_FUTURE_THING', message: 'from a newer server', ref: 'join' }],
    ['shutdown', { type: 'shutdown', reason: 'restart' }],
  ])('round-trips %s through encode', (_name, msg) => {
    expect(parseServerMessage(encode(msg))).toEqual({ ok: true, msg });
  });

  it.each<[string, unknown, string]>([
    ['matched with a bad role', { type: 'matched', ...match, role: 'boss' }, ErrorCodes.BAD_MESSAGE],
    [
      'partner-left with a bad reason',
      { type: 'partner-left', matchId: 'm', reason: 'x' },
      ErrorCodes.BAD_MESSAGE,
    ],
    ['welcome without a token', { type: 'welcome', v: 1, sessionId: 's' }, ErrorCodes.BAD_MESSAGE],
    [
      'welcome with bad ice servers',
      {
        type: 'welcome',
        v: 1,
        sessionId: 's',
        resumeToken: 't',
        graceMs: 1,
        heartbeatMs: 1,
        maxMessageBytes: 1,
        iceServers: [{}],
      },
      ErrorCodes.BAD_MESSAGE,
    ],
    ['a client-only type', { type: 'hello', v: 1 }, ErrorCodes.UNKNOWN_TYPE],
  ])('refuses %s', (_name, raw, code) => {
    expect(parseServerMessage(JSON.stringify(raw))).toMatchObject({ ok: false, error: { code } });
  });
});

describe('normalizeInterests', () => {
  it.each<[string[], string[]]>([
    [[], []],
    [['  Rock  Climbing '], ['rock climbing']],
    [['Go', 'go', 'GO'], ['go']],
    [['', '  '], []],
    [
      ['日本語', 'café'],
      ['日本語', 'café'],
    ],
  ])('%j → %j', (input, out) => {
    expect(normalizeInterests(input)).toEqual(out);
  });

  it.each([['-leading-dash'], ['a\u0000b'], ['x'.repeat(33)], ['<script>']])('refuses %j', (bad) => {
    expect(() => normalizeInterests([bad])).toThrow(
      expect.objectContaining({ code: ErrorCodes.BAD_MESSAGE }),
    );
  });
});
