/** The ban file format (src/signaling/server/bans.ts). */
import { describe, expect, it } from 'vitest';
import { parseBanFile } from '../../src/signaling/server/bans.js';

const hash = (ip: string): string => `ab${ip.replace(/\D/g, '')}`.padEnd(12, '0');

describe('parseBanFile', () => {
  it.each<[string, string, { ipHash: string; until: number }[], number[]]>([
    ['empty', '', [], []],
    ['comments and blanks', '# c\n\n   # d\n', [], []],
    ['a hash forever', '0123456789abcdef0123', [{ ipHash: '0123456789abcdef0123', until: Infinity }], []],
    ['an IP, hashed', '10.0.0.1  # spammer', [{ ipHash: hash('10.0.0.1'), until: Infinity }], []],
    [
      'until as ISO and as Unix seconds',
      '0123456789abcdef 2030-01-01T00:00:00Z\nfedcba9876543210 1893456000',
      [
        { ipHash: '0123456789abcdef', until: Date.parse('2030-01-01T00:00:00Z') },
        { ipHash: 'fedcba9876543210', until: 1_893_456_000_000 },
      ],
      [],
    ],
    [
      'JSON lines',
      '{"ipHash":"0123456789abcdef","until":"2030-01-01T00:00:00Z","note":"x"}\n{"ip":"10.0.0.2"}',
      [
        { ipHash: '0123456789abcdef', until: Date.parse('2030-01-01T00:00:00Z') },
        { ipHash: hash('10.0.0.2'), until: Infinity },
      ],
      [],
    ],
    ['bad lines are reported', 'not-a-hash\n0123456789abcdef never\n{"ip":"nope"}\n{bad', [], [1, 2, 3, 4]],
  ])('%s', (_name, text, entries, invalidLines) => {
    expect(parseBanFile(text, hash)).toEqual({ entries, invalidLines });
  });
});
