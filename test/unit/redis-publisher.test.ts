/**
 * The pure parts of the relay's fast publisher (redis-publisher.ts): RESP encoding, reading a
 * redis:// URL as ioredis does, and the connection handshake. Against a real Redis it is covered by
 * test/e2e/redis-publisher.e2e.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { handshake, parseRedisUrl, PROBE, resp } from '../../src/signaling/server/redis-publisher.js';

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

describe('handshake', () => {
  const base = { host: 'h', port: 1, tls: false };
  it.each<[string, { username: string; password: string }, string[][]]>([
    ['no password', { username: '', password: '' }, []],
    ['password', { username: '', password: 'pw' }, [['AUTH', 'pw']]],
    ['user and password (ACL)', { username: 'u', password: 'pw' }, [['AUTH', 'u', 'pw']]],
  ])('%s', (_name, creds, auth) => {
    const cmds = [...auth, ['CLIENT', 'SETNAME', 'n1'], ['PING'], ['CLIENT', 'REPLY', 'OFF']];
    // Every command answers one line except the last (replies are off from then on).
    expect(handshake({ ...base, ...creds }, 'n1')).toEqual({
      text: cmds.map((c) => resp(...c)).join(''),
      lines: cmds.length - 1,
    });
  });
});
