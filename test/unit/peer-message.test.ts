import { describe, expect, it } from 'vitest';
import {
  MAX_FRAME_BYTES,
  MAX_PEER_ID_CHARS,
  MAX_TEXT_CHARS,
  codePointLength,
  encodePeerMessage,
  parsePeerMessage,
  type PeerMessage,
} from '../../src/peer/peer-message.js';

const good: [string, string, PeerMessage][] = [
  ['msg', '{"t":"msg","id":"a1","text":"hi"}', { t: 'msg', id: 'a1', text: 'hi' }],
  [
    'msg with uuid id',
    '{"t":"msg","id":"0f8b1c2e-1111-4a4a-9f9f-123456789abc","text":"x"}',
    { t: 'msg', id: '0f8b1c2e-1111-4a4a-9f9f-123456789abc', text: 'x' },
  ],
  [
    'msg at the text limit (emoji)',
    JSON.stringify({ t: 'msg', id: 'x', text: '😀'.repeat(MAX_TEXT_CHARS) }),
    { t: 'msg', id: 'x', text: '😀'.repeat(MAX_TEXT_CHARS) },
  ],
  [
    'msg with unknown extra field',
    '{"t":"msg","id":"a","text":"y","extra":1}',
    { t: 'msg', id: 'a', text: 'y' },
  ],
  ['ack', '{"t":"ack","id":"a1"}', { t: 'ack', id: 'a1' }],
  ['typing', '{"t":"typing"}', { t: 'typing' }],
  ['ping', '{"t":"ping","n":0}', { t: 'ping', n: 0 }],
  ['pong', '{"t":"pong","n":2147483647}', { t: 'pong', n: 2147483647 }],
  ['bye skipped', '{"t":"bye","reason":"skipped"}', { t: 'bye', reason: 'skipped' }],
  ['bye left', '{"t":"bye","reason":"left"}', { t: 'bye', reason: 'left' }],
];

const badFrames: [string, string, RegExp][] = [
  ['not JSON', '{t:msg', /not valid JSON/],
  ['empty string', '', /not valid JSON/],
  ['array', '[1,2]', /JSON object/],
  ['null', 'null', /JSON object/],
  ['number', '42', /JSON object/],
  ['no t', '{"id":"a"}', /"t"/],
  ['t not a string', '{"t":1}', /"t"/],
  ['unknown t', '{"t":"exec","cmd":"rm"}', /unknown frame type/],
  ['proto pollution', '{"t":"__proto__"}', /unknown frame type/],
  ['msg without id', '{"t":"msg","text":"hi"}', /"id"/],
  ['msg with empty id', '{"t":"msg","id":"","text":"hi"}', /"id"/],
  ['msg with numeric id', '{"t":"msg","id":5,"text":"hi"}', /"id"/],
  [
    'msg with id too long',
    JSON.stringify({ t: 'msg', id: 'a'.repeat(MAX_PEER_ID_CHARS + 1), text: 'x' }),
    /"id"/,
  ],
  ['msg with escape in id', JSON.stringify({ t: 'msg', id: 'a\u001b[2J', text: 'x' }), /"id"/],
  ['msg with space in id', '{"t":"msg","id":"a b","text":"x"}', /"id"/],
  ['msg without text', '{"t":"msg","id":"a"}', /"text"/],
  ['msg with empty text', '{"t":"msg","id":"a","text":""}', /"text"/],
  ['msg with object text', '{"t":"msg","id":"a","text":{"x":1}}', /"text"/],
  [
    'msg text too long',
    JSON.stringify({ t: 'msg', id: 'a', text: 'a'.repeat(MAX_TEXT_CHARS + 1) }),
    /longer than/,
  ],
  ['frame too large', JSON.stringify({ t: 'typing', pad: 'a'.repeat(MAX_FRAME_BYTES) }), /larger than/],
  ['ack without id', '{"t":"ack"}', /"id"/],
  ['ping without n', '{"t":"ping"}', /"n"/],
  ['ping with negative n', '{"t":"ping","n":-1}', /"n"/],
  ['ping with float n', '{"t":"ping","n":1.5}', /"n"/],
  ['pong with string n', '{"t":"pong","n":"1"}', /"n"/],
  ['pong with huge n', '{"t":"pong","n":1e300}', /"n"/],
  ['bye without reason', '{"t":"bye"}', /"reason"/],
  ['bye with unknown reason', '{"t":"bye","reason":"banned"}', /"reason"/],
];

describe('parsePeerMessage', () => {
  it.each(good)('accepts %s', (_name, raw, expected) => {
    expect(parsePeerMessage(raw)).toEqual({ ok: true, msg: expected });
  });

  it.each(badFrames)('refuses %s', (_name, raw, message) => {
    const res = parsePeerMessage(raw);
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.code).toBe('ERR_BAD_PEER_MESSAGE');
    expect(res.error.message).toMatch(message);
  });

  it('names the offending type in ref (truncated)', () => {
    const res = parsePeerMessage(JSON.stringify({ t: 'x'.repeat(100) }));
    expect(res.ok ? null : res.error.ref).toBe('x'.repeat(32));
  });

  it('round-trips every good message through encodePeerMessage', () => {
    for (const [, , msg] of good) expect(parsePeerMessage(encodePeerMessage(msg))).toEqual({ ok: true, msg });
  });
});

describe('codePointLength', () => {
  it.each([
    ['', 0],
    ['abc', 3],
    ['é', 1],
    ['😀', 1],
    ['👍🏽', 2],
    ['\ud800', 1],
  ])('%j has %i code points', (s, n) => {
    expect(codePointLength(s)).toBe(n);
  });
});
