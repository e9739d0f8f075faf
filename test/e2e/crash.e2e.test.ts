/**
 * Crashes, not goodbyes. Chat is peer-to-peer: once connected it must survive the signaling
 * server dying (and notice when it is back); a stranger whose process dies without a word is
 * detected by the chat heartbeat. Servers and strangers run as real child processes.
 */
import { afterEach, expect, it } from 'vitest';
import { Session } from '../../src/peer/session.js';
import { startServer } from '../../src/signaling/server/server.js';
import { killAll, spawnCli } from '../helpers/cli-process.js';
import { spawnServer } from '../helpers/server-process.js';
import { EventLog } from '../helpers/session-events.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  await killAll();
});

function session(url: string, label: string, opts: { partnerTimeoutMs?: number } = {}) {
  const s = new Session({ serverUrl: url, loopbackOnly: true, ...opts });
  const log = new EventLog(s, label);
  cleanups.push(async () => {
    await s.stop();
    log.dispose();
  });
  return { s, log };
}

it('chat keeps working after the server process is killed, and signaling comes back with it', async () => {
  const first = await spawnServer();
  const a = session(first.url, 'a');
  const b = session(first.url, 'b');
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
  await spawnServer(['--port', String(first.port)]);
  await a.log.waitFor('signaling', (s) => s.up, { from: mark });
  const reply = b.s.send('welcome back, signaling');
  await a.log.waitFor('message', (m) => m.id === reply);
  expect(a.s.state).toBe('connected');
});

it('a stranger whose process is killed is declared gone by the heartbeat, before the grace window ends', async () => {
  const srv = await startServer({ host: '127.0.0.1', port: 0, graceMs: 60_000 });
  cleanups.push(() => srv.close());
  const a = session(srv.url, 'a', { partnerTimeoutMs: 3000 });
  await a.s.start();
  const stranger = spawnCli(['--server', srv.url, '--json', '--loopback']);
  await stranger.waitForEvent((e) => e.event === 'connected');
  await a.log.waitFor('connected');

  await stranger.kill('SIGKILL');
  // The server only sees a dropped socket (grace window: 60 s); the chat heartbeat knows better.
  await a.log.waitFor('reconnecting', (r) => r.who === 'partner');
  const left = await a.log.waitFor('partner-left', () => true, { timeoutMs: 10_000 });
  expect(left.reason).toBe('timeout');
  expect(a.s.state).toBe('idle');
});
