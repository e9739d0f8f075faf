/**
 * Chat is peer-to-peer: once connected it must survive the signaling server dying, and the
 * clients must notice when it is back. The server runs as a real child process (`randchat server`).
 */
import { afterEach, expect, it } from 'vitest';
import { Session } from '../../src/peer/session.js';
import { EventLog } from '../helpers/session-events.js';
import { spawnServer, type ServerProcess } from '../helpers/server-process.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function track(p: ServerProcess): ServerProcess {
  cleanups.push(() => p.kill('SIGKILL'));
  return p;
}

it('chat keeps working after the server process is killed, and signaling comes back with it', async () => {
  const first = track(await spawnServer());
  const make = (label: string) => {
    const s = new Session({ serverUrl: first.url, loopbackOnly: true });
    const log = new EventLog(s, label);
    cleanups.push(async () => {
      await s.stop();
      log.dispose();
    });
    return { s, log };
  };
  const a = make('a');
  const b = make('b');
  await Promise.all([a.s.start(), b.s.start()]);
  await Promise.all([a.log.waitFor('connected'), b.log.waitFor('connected')]);

  await first.kill('SIGKILL');
  await Promise.all([a.log.waitFor('signaling', (s) => !s.up), b.log.waitFor('signaling', (s) => !s.up)]);

  const id = a.s.send('server is gone, we are not');
  await b.log.waitFor('message', (m) => m.id === id);
  await a.log.waitFor('delivered', (d) => d.id === id);
  expect(a.s.state).toBe('connected');

  // A new server on the same port: both clients reconnect by themselves; the chat is untouched.
  const mark = a.log.mark();
  track(await spawnServer(['--port', String(first.port)]));
  await a.log.waitFor('signaling', (s) => s.up, { from: mark });
  const reply = b.s.send('welcome back, signaling');
  await a.log.waitFor('message', (m) => m.id === reply);
  expect(a.s.state).toBe('connected');
});
