/** `randchat demo`: an in-process server plus built-in demo strangers; works with nothing else running. */
import type { ExitCode } from '../errors.js';
import type { CliDeps } from './deps.js';
import { DemoStrangerPool, demoStrangerMedia } from './demo-stranger.js';
import { openFace, runFace } from './face.js';
import type { DemoFlags } from './flags.js';
import { startLocalServer, type LocalServer } from './local-server.js';
import { findDevices, resolveMediaFlags } from './media-options.js';
import type { MediaOptions } from '../media/pipeline/media-types.js';
import { loadSessionFactory } from './session-factory.js';

export const DEMO_NOTICE = [
  'Demo mode: everything runs on this computer. The strangers here are friendly bots.',
  'Say something, or try /next to meet another one.',
];

/** Shown when the demo runs text-only because there is no usable ffmpeg. */
export function noFfmpegNotice(why: string): string {
  return `No video or audio in this demo: ${why} (text chat works; see randchat doctor).`;
}

/**
 * The user's media and the demo strangers' media. With ffmpeg, demo strangers send the test
 * pattern and a tone, and the user sends what the flags (or the devices found) say; a `--json`
 * demo without media flags, or no ffmpeg at all, is text-only for everyone.
 */
async function demoMedia(
  flags: DemoFlags,
  json: boolean,
  deps: CliDeps,
): Promise<{ user?: MediaOptions; strangers?: MediaOptions; notice: string[] }> {
  const { media, notice } = await resolveMediaFlags(flags, {
    json,
    env: deps.env,
    devices: () => findDevices(flags.ffmpeg, deps.env),
  });
  if (!media) return { notice };
  const { resolveFfmpeg } = await import('../media/ffmpeg/resolve.js');
  const r = await resolveFfmpeg({ flag: flags.ffmpeg, env: deps.env });
  if (!r.ok) return { notice: [noFfmpegNotice(r.message)] };
  const strangers = demoStrangerMedia({
    ffmpegPath: r.path,
    env: deps.env,
    ...(flags.codec ? { codec: flags.codec } : {}),
  });
  return { user: { ...media, ffmpegPath: r.path }, strangers, notice };
}

export async function runDemo(flags: DemoFlags, deps: CliDeps): Promise<ExitCode> {
  const face = openFace(flags, deps);
  if (typeof face === 'number') return face;
  const { json, log } = face;
  let server: LocalServer | null = null;
  let pool: DemoStrangerPool | null = null;
  try {
    server = await startLocalServer({ logger: log.logger.child('server'), version: deps.version });
    const createSession = await (deps.loadSession ?? loadSessionFactory)();
    const interests = flags.interests ?? [];
    const media = await demoMedia(flags, json, deps);
    pool = new DemoStrangerPool({
      createSession,
      serverUrl: server.url,
      interests,
      logger: log.logger.child('demo'),
      ...(media.strangers ? { media: media.strangers } : {}),
    });
    await pool.start();
    const session = createSession({
      serverUrl: server.url,
      interests,
      loopbackOnly: true,
      autoNext: flags.autoNext === true,
      logger: log.logger.child('session'),
      clientName: `randchat/${deps.version}`,
      ...(media.user ? { media: media.user } : {}),
    });
    return await runFace(session, {
      json,
      deps,
      autoNext: flags.autoNext === true,
      notice: [...DEMO_NOTICE, ...media.notice],
      media: media.user !== undefined,
    });
  } finally {
    await pool?.close();
    await server?.close();
    await log.close();
  }
}
