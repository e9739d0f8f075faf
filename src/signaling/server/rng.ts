/**
 * Randomness for the matchmaker, injected so that the pure state machine is deterministic in tests.
 * `random()` drives pairing and role choice; `id()` makes session ids, match ids and resume tokens.
 */
import { randomFillSync } from 'node:crypto';

export type IdKind = 'session' | 'match' | 'token';

export interface Rng {
  /** A float in [0, 1). */
  random(): number;
  /** A fresh identifier. Match ids and resume tokens must be unguessable in production. */
  id(kind: IdKind): string;
}

const ID_BYTES: Record<IdKind, number> = { session: 12, match: 16, token: 24 };
const POOL_BYTES = 4096;

/** Production randomness: ids from the OS CSPRNG (pooled), pairing from Math.random. */
export function cryptoRng(): Rng {
  const pool = Buffer.allocUnsafe(POOL_BYTES);
  let offset = POOL_BYTES;
  return {
    random: Math.random,
    id(kind) {
      const n = ID_BYTES[kind];
      if (offset + n > POOL_BYTES) {
        randomFillSync(pool);
        offset = 0;
      }
      const out = pool.toString('base64url', offset, offset + n);
      offset += n;
      return out;
    },
  };
}

/** Deterministic randomness for tests (mulberry32); ids are `<kind>-<n>`. Never use in production. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  let counter = 0;
  return {
    random() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
    id(kind) {
      counter += 1;
      return `${kind}-${counter}`;
    },
  };
}
