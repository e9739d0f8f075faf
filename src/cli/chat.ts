/** The default command: chat with a random stranger (Ink UI or --json). */
import type { ExitCode } from '../errors.js';
import type { CliDeps } from './deps.js';
import { openFace, runFace } from './face.js';
import { chatNetOptions } from './chat-net.js';
import type { ChatFlags } from './flags.js';
import { startLocalServer, type LocalServer } from './local-server.js';
import { findDevices, resolveMediaFlags } from './media-options.js';
import { loadSessionFactory } from './session-factory.js';

export async function runChat(flags: ChatFlags, deps: CliDeps): Promise<ExitCode> {
  const face = openFace(flags, deps);
  if (typeof face === 'number') return face;
  const { json, log } = face;
  let server: LocalServer | null = null;
  try {
    let serverUrl = flags.server;
    const notice: string[] = [];
    if (flags.serve) {
      server = await startLocalServer({ logger: log.logger.child('server'), version: deps.version });
      serverUrl = server.url;
      notice.push(
        `Serving on ${server.url} (this machine only). Others here can join: randchat --server ${server.url}`,
      );
    }
    const { media, notice: mediaNotice } = await resolveMediaFlags(flags, {
      json,
      env: deps.env,
      devices: () => findDevices(flags.ffmpeg, deps.env),
    });
    notice.push(...mediaNotice);
    const createSession = await (deps.loadSession ?? loadSessionFactory)();
    const session = createSession({
      serverUrl,
      interests: flags.interests ?? [],
      loopbackOnly: flags.loopback === true,
      autoNext: flags.autoNext === true,
      logger: log.logger.child('session'),
      clientName: `randchat/${deps.version}`,
      ...chatNetOptions(flags, deps.env),
      ...(media ? { media } : {}),
    });
    return await runFace(session, {
      json,
      deps,
      autoNext: flags.autoNext === true,
      notice,
      media: media !== undefined,
    });
  } finally {
    await server?.close();
    await log.close();
  }
}
