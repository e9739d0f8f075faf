/** The block file (`--block-file`): created on first block, mode 0600, survives reopening. */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultBlockFile, openBlockFile, parseBlockFile } from '../../src/cli/block-file.js';
import { ErrorCodes } from '../../src/errors.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'randchat-block-'));
  dirs.push(d);
  return d;
}

describe('block file', () => {
  it('defaults to the XDG config dir, else ~/.config', () => {
    expect(defaultBlockFile({ XDG_CONFIG_HOME: '/x' })).toBe('/x/randchat/blocked.json');
    expect(defaultBlockFile({ HOME: '/home/u' })).toBe('/home/u/.config/randchat/blocked.json');
  });

  it('is written only on the first block, privately, and keeps identity and tags across opens', () => {
    const path = join(tmp(), 'sub', 'blocked.json');
    const store = openBlockFile(path);
    expect(() => statSync(path)).toThrow();
    store.add('tag-1');
    store.add('tag-1');
    store.add('tag-2');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = openBlockFile(path);
    expect(again.identity).toBe(store.identity);
    expect(again.tags()).toEqual(['tag-1', 'tag-2']);
    expect(parseBlockFile(readFileSync(path, 'utf8'))?.blocked.map((b) => b.tag)).toEqual(['tag-1', 'tag-2']);
  });

  it.each([['not json'], ['{"version":2}'], ['{"version":1,"identity":"short","blocked":[]}']])(
    'refuses %j with ERR_BLOCK_FILE',
    (text) => {
      const path = join(tmp(), 'blocked.json');
      writeFileSync(path, text);
      expect(() => openBlockFile(path)).toThrow(expect.objectContaining({ code: ErrorCodes.BLOCK_FILE }));
    },
  );
});
