/** Keyed hashes, block tags and TURN REST-API credentials (src/signaling/server/secrets.ts). */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../src/signaling/protocol.js';
import {
  deriveKeys,
  iceServersFor,
  turnCredentials,
  withIceServers,
} from '../../src/signaling/server/secrets.js';

describe('TURN credentials (coturn use-auth-secret)', () => {
  it('username = expiry:user, credential = base64(HMAC-SHA1(secret, username))', () => {
    const c = turnCredentials('s3cret', 'session-1', 3600, 1_700_000_000_500);
    expect(c.username).toBe('1700003600:session-1');
    expect(c.credential).toBe(createHmac('sha1', 's3cret').update(c.username).digest('base64'));
  });

  it.each<[string, Parameters<typeof iceServersFor>[0], unknown]>([
    ['nothing', { stun: [], turn: [], turnTtlSec: 60 }, []],
    ['STUN only', { stun: ['stun:a'], turn: [], turnTtlSec: 60 }, [{ urls: ['stun:a'] }]],
    ['TURN without a secret', { stun: [], turn: ['turn:t'], turnTtlSec: 60 }, [{ urls: ['turn:t'] }]],
    [
      'TURN with a secret',
      { stun: ['stun:a'], turn: ['turn:t'], turnSecret: 'k', turnTtlSec: 60 },
      [{ urls: ['stun:a'] }, { urls: ['turn:t'], ...turnCredentials('k', 'u', 60, 0) }],
    ],
  ])('ICE servers: %s', (_name, ice, expected) => {
    expect(iceServersFor(ice, 'u', 0)).toEqual(expected);
  });

  it('adds fresh credentials to welcome, matched and rebuild only', () => {
    const ice = {
      stun: [],
      turn: ['turn:t'],
      turnSecret: 'k',
      turnTtlSec: 60,
      fixed: [{ urls: 'stun:old' }],
    };
    const matched: ServerMessage = { type: 'matched', matchId: 'm', role: 'offerer', gen: 0, interests: [] };
    const out = withIceServers(matched, ice, 'sess', 10_000);
    expect(out).toMatchObject({ iceServers: [{ urls: 'stun:old' }, { username: '70:sess' }] });
    const queued: ServerMessage = { type: 'queued' };
    expect(withIceServers(queued, ice, 'sess', 0)).toBe(queued);
    expect(withIceServers(matched, { ...ice, turn: [], turnSecret: undefined }, 's', 0)).toBe(matched);
  });
});

describe('server keys', () => {
  const keys = deriveKeys('server-secret');

  it('hashes addresses stably, salted, IPv4-mapped = IPv4', () => {
    expect(keys.ipHash('10.0.0.1')).toMatch(/^[0-9a-f]{20}$/);
    expect(keys.ipHash('::ffff:10.0.0.1')).toBe(keys.ipHash('10.0.0.1'));
    expect(deriveKeys('other').ipHash('10.0.0.1')).not.toBe(keys.ipHash('10.0.0.1'));
  });

  it('peer tags: stable per pair, different per observer, opened only for their observer', () => {
    const tag = keys.peerTag('alice', 'mallory');
    expect(keys.peerTag('alice', 'mallory')).toBe(tag);
    expect(keys.peerTag('bob', 'mallory')).not.toBe(tag);
    expect(tag).not.toContain('mallory');
    expect(keys.openTag('alice', tag)).toBe('mallory');
    expect(keys.openTag('bob', tag)).toBeNull();
    expect(deriveKeys('other').openTag('alice', tag)).toBeNull();
    expect(keys.openTag('alice', tag.slice(0, -2) + (tag.endsWith('A') ? 'BB' : 'AA'))).toBeNull();
    expect(keys.openTag('alice', 'garbage')).toBeNull();
    expect(tag.length).toBeLessThanOrEqual(128);
  });

  it('identities are keyed hashes, never the raw value', () => {
    const id = keys.identity('my-long-random-identity');
    expect(id).not.toContain('my-long');
    expect(keys.identity('my-long-random-identity')).toBe(id);
  });
});
