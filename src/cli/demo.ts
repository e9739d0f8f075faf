/** `randchat demo`: an in-process server plus built-in demo strangers; works with nothing else running. */
import type { ExitCode } from '../errors.js';
import type { CliDeps } from './deps.js';
import { DemoStrangerPool } from './demo-stranger.js';
import { checkTerminal, runFace } from './face.js';
import type { DemoFlags } from './flags.js';
import { startLocalServer, type LocalServer } from './local-server.js';
import { openLogger } from './logging.js';
import { loadSessionFactory } from './session-factory.js';

export const DEMO_NOTICE = [
  'Demo mode: everything runs on this computer. The strangers here are friendly bots.',
  'Say something, or try /next to meet another one.',
];

export async function runDemo(flags: DemoFlags, deps: CliDeps): Promise<ExitCode> {
  const json = flags.json === true;
  const notTty = checkTerminal(json, deps);
  if (notTty !== null) return notTty;
  const log = openLogger({
    level: flags.logLevel,
    file: flags.logFile,
    stderrAllowed: json,
    writeErr: deps.writeErr,
  });
  let server: LocalServer | null = null;
  let pool: DemoStrangerPool | null = null;
  try {
    server = await startLocalServer({ logger: log.logger.child('server'), version: deps.version });
    const createSession = await (deps.loadSession ?? loadSessionFactory)();
    const interests = flags.interests ?? [];
    pool = new DemoStrangerPool({
      createSession,
      serverUrl: server.url,
      interests,
      logger: log.logger.child('demo'),
    });
    await pool.start();
    const session = createSession({
      serverUrl: server.url,
      interests,
      loopbackOnly: true,
      autoNext: flags.autoNext === true,
      logger: log.logger.child('session'),
      clientName: `randchat/${deps.version}`,
    });
    return await runFace(session, { json, deps, autoNext: flags.autoNext === true, notice: DEMO_NOTICE });
  } finally {
    await pool?.close();
    await server?.close();
    await log.close();
  }
}
