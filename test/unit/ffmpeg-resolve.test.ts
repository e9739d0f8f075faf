/**
 * Resolution order with real files: a temp dir holding a symlink to the real ffmpeg (for the
 * flag, env and PATH steps), a non-executable file and a non-ffmpeg executable for the errors.
 * The package steps are exercised through the `importOptional` seam (the real packages may or
 * may not be installed).
 */
import { chmod, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notFoundMessage, probeFfmpeg, resolveFfmpeg, whichOnPath } from '../../src/media/ffmpeg/resolve.js';
import { findFfmpeg, requireBinary } from '../helpers/require-binary.js';

const real = await findFfmpeg();
const noPackages = (): Promise<unknown> =>
  Promise.reject(Object.assign(new Error('Cannot find package'), { code: 'ERR_MODULE_NOT_FOUND' }));

let dir = '';
let link = '';
let notExec = '';
let notFfmpeg = '';
let pathDir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'randchat-resolve-'));
  notExec = path.join(dir, 'not-executable');
  await writeFile(notExec, 'not a program\n');
  notFfmpeg = path.join(dir, 'not-ffmpeg');
  await writeFile(notFfmpeg, '#!/bin/sh\necho hello\n');
  await chmod(notFfmpeg, 0o755);
  pathDir = path.join(dir, 'bin');
  await import('node:fs/promises').then((fs) => fs.mkdir(pathDir));
  if (real) {
    link = path.join(dir, 'my-ffmpeg');
    await symlink(real, link);
    await symlink(real, path.join(pathDir, 'ffmpeg'));
  }
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('explicit choices that do not work stop the search', () => {
  it.each([
    ['missing', () => path.join(dir, 'nope'), /does not exist/],
    ['not executable', () => notExec, /not executable/],
    ['a directory', () => dir, /not a file/],
    ['not an ffmpeg', () => notFfmpeg, /no ffmpeg version/],
  ])('--ffmpeg %s', async (_name, candidate, detail) => {
    const r = await resolveFfmpeg({ flag: candidate(), env: { PATH: pathDir }, importOptional: noPackages });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.tried).toHaveLength(1);
    expect(r.tried[0]).toMatchObject({ source: 'flag', ok: false, detail: expect.stringMatching(detail) });
    expect(r.message).toContain('--ffmpeg');
    expect(r.message).toMatch(detail);
  });

  it('RANDCHAT_FFMPEG likewise', async () => {
    const r = await resolveFfmpeg({
      env: { RANDCHAT_FFMPEG: notExec, PATH: pathDir },
      importOptional: noPackages,
    });
    expect(r).toMatchObject({ ok: false, tried: [{ source: 'flag' }, { source: 'env', ok: false }] });
    expect(r.ok ? '' : r.message).toContain('RANDCHAT_FFMPEG');
  });
});

describe('nothing anywhere', () => {
  it('says how to install, per platform, and lists every step', async () => {
    const r = await resolveFfmpeg({ env: { PATH: dir }, importOptional: noPackages, platform: 'linux' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.tried.map((t) => [t.source, t.detail])).toEqual([
      ['flag', 'not set'],
      ['env', 'not set'],
      ['ffmpeg-static', 'package not installed'],
      ['@ffmpeg-installer', 'package not installed'],
      ['path', 'no ffmpeg on PATH'],
    ]);
    expect(r.message).toMatch(/apt install ffmpeg/);
    expect(r.message).toMatch(/--ffmpeg PATH/);
    expect(notFoundMessage('darwin')).toMatch(/brew install ffmpeg/);
    expect(notFoundMessage('win32')).toMatch(/winget install/);
  });

  it('a package present without a usable binary is recorded and skipped', async () => {
    const r = await resolveFfmpeg({
      env: { PATH: dir },
      importOptional: async (name) =>
        name === 'ffmpeg-static' ? { default: null } : { default: { path: path.join(dir, 'gone') } },
    });
    expect(r.ok ? [] : r.tried.slice(2, 4)).toEqual([
      { source: 'ffmpeg-static', ok: false, detail: 'package has no binary for this platform' },
      { source: '@ffmpeg-installer', path: path.join(dir, 'gone'), ok: false, detail: 'does not exist' },
    ]);
  });

  it('a package that throws a string on load (as @ffmpeg-installer does)', async () => {
    const r = await resolveFfmpeg({
      env: { PATH: dir },
      importOptional: () => Promise.reject('Unsupported platform/architecture: sunos-x64'),
    });
    expect(r.ok ? undefined : r.tried[3]?.detail).toBe(
      'package failed to load: Unsupported platform/architecture: sunos-x64',
    );
  });
});

describe.skipIf(requireBinary('ffmpeg', real !== undefined, 'apt install ffmpeg'))(
  'with a real ffmpeg',
  () => {
    it('flag wins over env, packages and PATH', async () => {
      const r = await resolveFfmpeg({ flag: link, env: { RANDCHAT_FFMPEG: notExec, PATH: pathDir } });
      expect(r).toMatchObject({ ok: true, source: 'flag', path: link });
      expect(r.ok && r.version).toMatch(/\S/);
    });

    it('env when no flag', async () => {
      const r = await resolveFfmpeg({ env: { RANDCHAT_FFMPEG: link, PATH: '' }, importOptional: noPackages });
      expect(r).toMatchObject({
        ok: true,
        source: 'env',
        path: link,
        tried: [{ source: 'flag' }, { source: 'env', ok: true }],
      });
    });

    it('an empty RANDCHAT_FFMPEG counts as unset', async () => {
      const r = await resolveFfmpeg({
        env: { RANDCHAT_FFMPEG: '', PATH: pathDir },
        importOptional: noPackages,
      });
      expect(r).toMatchObject({ ok: true, source: 'path' });
    });

    it('a package before PATH', async () => {
      const r = await resolveFfmpeg({
        env: { PATH: pathDir },
        importOptional: async (name) => (name === 'ffmpeg-static' ? { default: link } : noPackages()),
      });
      expect(r).toMatchObject({ ok: true, source: 'ffmpeg-static', path: link });
    });

    it('@ffmpeg-installer shape ({ path })', async () => {
      const r = await resolveFfmpeg({
        env: { PATH: '' },
        importOptional: async (name) =>
          name === '@ffmpeg-installer/ffmpeg' ? { default: { path: link } } : noPackages(),
      });
      expect(r).toMatchObject({ ok: true, source: '@ffmpeg-installer', path: link });
    });

    it('PATH last, found by our own lookup', async () => {
      expect(await whichOnPath('ffmpeg', { PATH: `${dir}:${pathDir}` }, 'linux')).toBe(
        path.join(pathDir, 'ffmpeg'),
      );
      const r = await resolveFfmpeg({ env: { PATH: pathDir }, importOptional: noPackages, probe: true });
      expect(r).toMatchObject({ ok: true, source: 'path', path: path.join(pathDir, 'ffmpeg') });
      expect(r.ok && r.capabilities?.encoders).toBeDefined();
    });

    it('probeFfmpeg is cached per path', async () => {
      const a = probeFfmpeg(link);
      expect(probeFfmpeg(link)).toBe(a);
      expect((await a).decoders.vp8).toBe(true);
    });
  },
);
