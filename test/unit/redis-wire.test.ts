/**
 * The pure parts of the relay's own Redis connections (redis-wire.ts, redis-publisher.ts): RESP
 * encoding and incremental reply parsing, reading a redis:// URL as ioredis does, and the connection
 * openings (redis-link.ts sends AUTH and CLIENT SETNAME, then the role's own commands). Against a
 * real Redis they are covered by test/e2e/redis-links.e2e.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { PROBE } from '../../src/signaling/server/redis-publisher.js';
import {
  opening,
  parseRedisUrl,
  parseReply,
  ReplyReader,
  resp,
  RespError,
  type RespValue,
} from '../../src/signaling/server/redis-wire.js';

describe('resp', () => {
  it.each<[string[], string]>([
    [['PING'], '*1\r\n$4\r\nPING\r\n'],
    [['PUBLISH', 'ch', 'hi'], '*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$2\r\nhi\r\n'],
    // Lengths are bytes, not code points.
    [['PUBLISH', 'c', 'né'], '*3\r\n$7\r\nPUBLISH\r\n$1\r\nc\r\n$3\r\nné\r\n'],
    [['SET', 'k', ''], '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n'],
  ])('%j', (args, wire) => {
    expect(resp(...args)).toBe(wire);
  });

  it('a probe turns replies on for one PING', () => {
    expect(PROBE).toBe(resp('CLIENT', 'REPLY', 'ON') + resp('PING') + resp('CLIENT', 'REPLY', 'OFF'));
  });
});

describe('parseRedisUrl', () => {
  it.each<[string, ReturnType<typeof parseRedisUrl>]>([
    ['redis://127.0.0.1:6380', { host: '127.0.0.1', port: 6380, tls: false, username: '', password: '' }],
    ['redis://localhost', { host: 'localhost', port: 6379, tls: false, username: '', password: '' }],
    ['redis://:s%40cret@r:1/2', { host: 'r', port: 1, tls: false, username: '', password: 's@cret' }],
    [
      'rediss://bob:pw@r.example',
      { host: 'r.example', port: 6379, tls: true, username: 'bob', password: 'pw' },
    ],
    ['redis://[::1]:7000', { host: '::1', port: 7000, tls: false, username: '', password: '' }],
  ])('%s', (url, target) => {
    expect(parseRedisUrl(url)).toEqual(target);
  });

  it('refuses other schemes', () => {
    expect(() => parseRedisUrl('http://127.0.0.1:6379')).toThrow(/not a redis:\/\/ URL/);
  });
});

describe('parseReply', () => {
  it.each<[string, RespValue]>([
    ['+OK\r\n', 'OK'],
    [':42\r\n', 42],
    ['$5\r\nhello\r\n', 'hello'],
    ['$0\r\n\r\n', ''],
    ['$-1\r\n', null],
    ['*-1\r\n', null],
    ['$4\r\na\r\nb\r\n', 'a\r\nb'], // a bulk string may hold CRLF
    ['$3\r\nné\r\n', 'né'], // lengths are bytes
    ['*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n', ['message', 'ch', 'hi']],
    ['*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n', ['subscribe', 'ch', 1]],
    ['*2\r\n*1\r\n:1\r\n$-1\r\n', [[1], null]],
  ])('%j', (wire, value) => {
    const buf = Buffer.from(wire);
    expect(parseReply(buf, 0)).toEqual([value, buf.length]);
  });

  it('an error reply is a RespError', () => {
    const [v] = parseReply(Buffer.from('-WRONGPASS invalid\r\n'), 0)!;
    expect(v).toBeInstanceOf(RespError);
    expect((v as RespError).message).toBe('WRONGPASS invalid');
  });

  it('needs the whole reply: every cut short of the end gives null, then the offset moves on', () => {
    const wire = Buffer.from('*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$6\r\nnaïve\r\n:7\r\n');
    const first = wire.length - 4;
    for (let cut = 0; cut < first; cut++)
      expect(parseReply(wire.subarray(0, cut), 0), `cut ${cut}`).toBeNull();
    expect(parseReply(wire, 0)).toEqual([['message', 'ch', 'naïve'], first]);
    expect(parseReply(wire, first)).toEqual([7, wire.length]);
    expect(parseReply(wire, wire.length)).toBeNull();
  });

  it('refuses bytes that are not RESP', () => {
    expect(() => parseReply(Buffer.from('HTTP/1.1 400\r\n'), 0)).toThrow(/not a RESP reply/);
  });
});

describe('opening', () => {
  it.each<[string, string, string[][]]>([
    ['', '', [['CLIENT', 'SETNAME', 'n']]],
    [
      '',
      'pw',
      [
        ['AUTH', 'pw'],
        ['CLIENT', 'SETNAME', 'n'],
      ],
    ],
    [
      'u',
      'pw',
      [
        ['AUTH', 'u', 'pw'],
        ['CLIENT', 'SETNAME', 'n'],
      ],
    ],
  ])('user %j password %j', (username, password, cmds) => {
    expect(opening({ host: 'h', port: 1, tls: false, username, password }, 'n')).toEqual(cmds);
  });
});

describe('ReplyReader', () => {
  const wire = Buffer.from('+OK\r\n*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$6\r\nnaïve\r\n:1\r\n');
  const all: RespValue[] = ['OK', ['message', 'c', 'naïve'], 1];

  it('gives the same replies however the bytes are cut into chunks', () => {
    for (let a = 0; a <= wire.length; a++) {
      for (let b = a; b <= wire.length; b += 7) {
        const got: RespValue[] = [];
        const r = new ReplyReader();
        for (const chunk of [wire.subarray(0, a), wire.subarray(a, b), wire.subarray(b)]) {
          r.feed(chunk, (v) => (got.push(v), true));
        }
        expect(got, `cut at ${a}, ${b}`).toEqual(all);
      }
    }
  });

  it('stops when told to; reset forgets a partial reply', () => {
    const got: RespValue[] = [];
    const r = new ReplyReader();
    r.feed(wire, (v) => (got.push(v), false));
    expect(got).toEqual(['OK']);
    r.feed(wire.subarray(0, 10), () => true);
    r.reset();
    r.feed(Buffer.from(':5\r\n'), (v) => (got.push(v), true));
    expect(got).toEqual(['OK', 5]);
  });
});
