/**
 * Property tests of the protocol parsers with fast-check: whatever arrives — random JSON, random
 * text, valid messages with fields deleted, replaced or retyped — `parseClientMessage` and
 * `parseServerMessage` never throw and always return a known message type or a coded error; what
 * they accept survives an encode/parse round trip unchanged. Failures print fast-check's seed
 * and path (re-run with `{ seed, path }`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isErrorCode } from '../../src/errors.js';
import {
  encode,
  parseClientMessage,
  parseServerMessage,
  type ParseResult,
} from '../../src/signaling/protocol.js';

const RUNS = 3000;

const SIGNAL_DATA = [
  { kind: 'description', type: 'offer', sdp: 'v=0\r\n' },
  { kind: 'candidate', candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 },
  { kind: 'end-of-candidates' },
];
const ICE = [{ urls: ['turn:127.0.0.1:3478'], username: '1:s', credential: 'c' }];

const VALID_CLIENT: Record<string, unknown>[] = [
  {
    type: 'hello',
    v: 1,
    interests: ['music'],
    resumeToken: 'tok',
    client: 'x',
    identity: 'i'.repeat(20),
    blockTags: ['t'],
  },
  { type: 'join', interests: ['go'] },
  { type: 'next' },
  { type: 'leave' },
  ...SIGNAL_DATA.map((data) => ({ type: 'signal', matchId: 'm', gen: 0, data })),
  { type: 'rebuild', matchId: 'm' },
  { type: 'ping', t: 1.5 },
  { type: 'bye' },
  { type: 'block' },
  { type: 'report', reason: 'spam' },
];

const MATCH = { matchId: 'm', role: 'offerer', gen: 0, interests: ['a'] };
const VALID_SERVER: Record<string, unknown>[] = [
  {
    type: 'welcome',
    v: 1,
    sessionId: 's',
    resumeToken: 't',
    resumed: true,
    match: MATCH,
    graceMs: 1,
    heartbeatMs: 1,
    iceServers: ICE,
    maxMessageBytes: 100,
  },
  { type: 'queued' },
  { type: 'matched', ...MATCH, iceServers: ICE, peerTag: 'tag' },
  ...SIGNAL_DATA.map((data) => ({ type: 'signal', matchId: 'm', gen: 0, data })),
  { type: 'rebuild', matchId: 'm', gen: 1, role: 'answerer', iceServers: ICE },
  { type: 'partner-reconnecting', matchId: 'm', graceMs: 5 },
  { type: 'partner-resumed', matchId: 'm' },
  { type: 'partner-left', matchId: 'm', reason: 'left' },
  { type: 'pong', t: 2 },
  { type: 'error', code: 'ERR_X', message: 'm', ref: 'join' },
  { type: 'shutdown', reason: 'bye' },
];

/** Valid messages with one field deleted, replaced by anything, or nested data mutated, or a key added. */
function mutated(valid: Record<string, unknown>[]): fc.Arbitrary<unknown> {
  return fc
    .tuple(fc.constantFrom(...valid), fc.nat(), fc.anything(), fc.string(), fc.nat(3))
    .map(([msg, i, value, key, how]) => {
      const copy: Record<string, unknown> = structuredClone(msg);
      const keys = Object.keys(copy);
      const k = keys[i % keys.length]!;
      if (how === 0) delete copy[k];
      else if (how === 1) copy[k] = value;
      else if (how === 2) copy[key] = value;
      else if (typeof copy[k] === 'object' && copy[k] !== null) {
        const inner = copy[k] as Record<string, unknown>;
        const ik = Object.keys(inner)[i % Math.max(1, Object.keys(inner).length)];
        if (ik !== undefined) inner[ik] = value;
      }
      return copy;
    });
}

const rawInputs = (valid: Record<string, unknown>[]): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.anything(),
    fc.jsonValue(),
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.json(),
    mutated(valid),
    mutated(valid).map((m) => JSON.stringify(m)),
    fc.constantFrom(...valid).map((m) => JSON.stringify(m).slice(0, -1)), // truncated
  );

function checkResult(r: ParseResult<{ type: string }>, types: readonly string[]): void {
  if (r.ok) {
    expect(types).toContain(r.msg.type);
  } else {
    expect(isErrorCode(r.error.code)).toBe(true);
    expect(typeof r.error.message).toBe('string');
  }
}

describe('protocol fuzz', () => {
  const clientTypes = VALID_CLIENT.map((m) => m.type as string);
  const serverTypes = VALID_SERVER.map((m) => m.type as string);

  it('the valid corpus parses', () => {
    for (const m of VALID_CLIENT) expect(parseClientMessage(JSON.stringify(m)).ok).toBe(true);
    for (const m of VALID_SERVER) expect(parseServerMessage(JSON.stringify(m)).ok).toBe(true);
  });

  it('parseClientMessage never throws: a known message or a coded error, stable on round trip', () => {
    fc.assert(
      fc.property(rawInputs(VALID_CLIENT), (raw) => {
        const r = parseClientMessage(raw);
        checkResult(r, clientTypes);
        if (r.ok) expect(parseClientMessage(encode(r.msg))).toEqual(r);
      }),
      { numRuns: RUNS },
    );
  });

  it('parseServerMessage never throws: a known message or a coded error, stable on round trip', () => {
    fc.assert(
      fc.property(rawInputs(VALID_SERVER), (raw) => {
        const r = parseServerMessage(raw);
        checkResult(r, serverTypes);
        if (r.ok) expect(parseServerMessage(encode(r.msg))).toEqual(r);
      }),
      { numRuns: RUNS },
    );
  });

  it('oversize frames are ERR_TOO_LARGE, never parsed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 512 }), (extra) => {
        const big = JSON.stringify({ type: 'ping', t: 1, pad: 'x'.repeat(1024 + extra) });
        const r = parseClientMessage(big, 1024);
        expect(r.ok ? null : r.error.code).toBe('ERR_TOO_LARGE');
      }),
      { numRuns: 200 },
    );
  });
});
