/** Protocol additions for NAT traversal and abuse controls: parse tables for the new fields and messages. */
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import {
  MAX_BLOCK_TAGS,
  MAX_REPORT_CHARS,
  parseClientMessage,
  parseServerMessage,
  PROTOCOL_VERSION,
} from '../../src/signaling/protocol.js';

const ice = [
  { urls: ['turn:127.0.0.1:3478?transport=udp'], username: '1700000000:s1', credential: 'c2VjcmV0' },
];

describe('client messages: block, report, hello identity and block tags', () => {
  it.each<[string, unknown, unknown]>([
    ['block', { type: 'block' }, { type: 'block' }],
    ['block ignores extra fields', { type: 'block', who: 'x' }, { type: 'block' }],
    ['report', { type: 'report', reason: 'spam' }, { type: 'report', reason: 'spam' }],
    [
      'hello with identity and tags',
      { type: 'hello', v: 1, identity: 'x'.repeat(32), blockTags: ['t1', 't2'] },
      { type: 'hello', v: 1, identity: 'x'.repeat(32), blockTags: ['t1', 't2'] },
    ],
  ])('%s', (_name, input, expected) => {
    const r = parseClientMessage(JSON.stringify(input));
    expect(r).toEqual({ ok: true, msg: expected });
  });

  it.each<[string, unknown]>([
    ['report without reason', { type: 'report' }],
    ['report with an empty reason', { type: 'report', reason: '' }],
    ['report with a long reason', { type: 'report', reason: 'x'.repeat(MAX_REPORT_CHARS + 1) }],
    ['report with a number', { type: 'report', reason: 5 }],
    ['short identity', { type: 'hello', v: PROTOCOL_VERSION, identity: 'short' }],
    ['identity not a string', { type: 'hello', v: PROTOCOL_VERSION, identity: 1234567890123456 }],
    ['tags not an array', { type: 'hello', v: PROTOCOL_VERSION, blockTags: 'tag' }],
    ['too many tags', { type: 'hello', v: PROTOCOL_VERSION, blockTags: Array(MAX_BLOCK_TAGS + 1).fill('t') }],
    ['an empty tag', { type: 'hello', v: PROTOCOL_VERSION, blockTags: [''] }],
    ['a long tag', { type: 'hello', v: PROTOCOL_VERSION, blockTags: ['t'.repeat(129)] }],
  ])('%s → ERR_BAD_MESSAGE', (_name, input) => {
    const r = parseClientMessage(JSON.stringify(input));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe(ErrorCodes.BAD_MESSAGE);
  });
});

describe('server messages: iceServers on matched and rebuild, peerTag', () => {
  const matched = { type: 'matched', matchId: 'm1', role: 'offerer', gen: 0, interests: [] };
  it('matched keeps iceServers and peerTag, and stays valid without them (protocol 1)', () => {
    expect(parseServerMessage(JSON.stringify({ ...matched, iceServers: ice, peerTag: 'tag' }))).toEqual({
      ok: true,
      msg: { ...matched, iceServers: ice, peerTag: 'tag' },
    });
    expect(parseServerMessage(JSON.stringify(matched))).toEqual({ ok: true, msg: matched });
  });

  it('rebuild keeps iceServers', () => {
    const rebuild = { type: 'rebuild', matchId: 'm1', gen: 1, role: 'answerer', iceServers: ice };
    expect(parseServerMessage(JSON.stringify(rebuild))).toEqual({ ok: true, msg: rebuild });
  });

  it.each<[string, unknown]>([
    ['bad iceServers', { ...matched, iceServers: 'turn:x' }],
    ['ice server without urls', { ...matched, iceServers: [{ username: 'u' }] }],
    ['peerTag not a string', { ...matched, peerTag: 7 }],
    [
      'rebuild with bad iceServers',
      { type: 'rebuild', matchId: 'm', gen: 1, role: 'offerer', iceServers: [1] },
    ],
  ])('%s → ERR_BAD_MESSAGE', (_name, input) => {
    const r = parseServerMessage(JSON.stringify(input));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe(ErrorCodes.BAD_MESSAGE);
  });
});
