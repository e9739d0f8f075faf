/**
 * The --json CLI as real child processes: `randchat server --port 0`, two `randchat --json`
 * strangers on loopback, and `randchat demo --json`. Needs `npm run build` (bin uses dist/).
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, spawnCli, type CliEvent, type CliProcess } from '../helpers/cli-process.js';

afterEach(killAll);

const is =
  (event: string, fields: Record<string, unknown> = {}) =>
  (e: CliEvent): boolean =>
    e.event === event && Object.entries(fields).every(([k, v]) => e[k] === v);

async function startServer(): Promise<{ proc: CliProcess; url: string }> {
  const proc = spawnCli(['server', '--port', '0']);
  const url = await proc.firstLine();
  expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
  return { proc, url };
}

function expectOnlyNdjson(p: CliProcess): void {
  expect(p.nonJson).toEqual([]);
  for (const e of p.events) {
    expect(typeof e.event).toBe('string');
    expect(typeof e.ts).toBe('number');
  }
}

describe('randchat --json', () => {
  it('two strangers meet, chat with delivery receipts, skip, and quit at end of stdin', async () => {
    const server = await startServer();
    const a = spawnCli(['--server', server.url, '--json', '--loopback']);
    const b = spawnCli(['--server', server.url, '--json', '--loopback']);
    await Promise.all([
      a.waitForEvent(is('connected'), 30_000, 'a connected'),
      b.waitForEvent(is('connected'), 30_000, 'b connected'),
    ]);

    a.writeLine('hello from a');
    const sent = await a.waitForEvent(is('sent', { text: 'hello from a' }));
    await b.waitForEvent(is('message', { text: 'hello from a' }));
    await a.waitForEvent(is('delivered', { id: sent.id }));

    b.writeLine(JSON.stringify({ cmd: 'send', text: 'hi back' }));
    await a.waitForEvent(is('message', { text: 'hi back' }));

    a.writeLine('/dance');
    await a.waitForEvent(is('error', { code: 'ERR_BAD_COMMAND', fatal: false }));

    a.writeLine('/next');
    await b.waitForEvent(is('partner-left', { reason: 'skipped' }));
    await a.waitForEvent(is('state', { state: 'searching', prev: 'connected' }));

    a.endInput();
    b.endInput();
    expect(await a.waitForExit()).toBe(0);
    expect(await b.waitForExit()).toBe(0);
    expectOnlyNdjson(a);
    expectOnlyNdjson(b);

    await server.proc.kill('SIGINT');
    expect(await server.proc.exited).toBe(0);
    expect(server.proc.nonJson).toEqual([server.url]); // the URL is the server's only stdout line
  });

  it('`randchat demo --json` greets, answers, and finds another stranger after /next', async () => {
    const demo = spawnCli(['demo', '--json']);
    await demo.waitForEvent(is('connected'), 30_000, 'connected to a demo stranger');
    await demo.waitForEvent((e) => e.event === 'message' && String(e.text).includes('demo stranger #1'));
    demo.writeLine('ping from the test');
    await demo.waitForEvent(
      (e) => e.event === 'message' && String(e.text).startsWith('You said "ping from the test"'),
      15_000,
      'the reply',
    );
    demo.writeLine('{"cmd":"next"}');
    await demo.waitForEvent(
      (e) => e.event === 'message' && String(e.text).includes('demo stranger #2'),
      30_000,
    );
    demo.writeLine('/quit');
    expect(await demo.waitForExit()).toBe(0);
    expectOnlyNdjson(demo);
  });

  it('exits 3 with a fatal error event when the server is unreachable', async () => {
    const port = await closedPort();
    const p = spawnCli(['--json', '--server', `ws://127.0.0.1:${port}`]);
    await p.waitForEvent(is('error', { code: 'ERR_SIGNALING_UNREACHABLE', fatal: true }));
    expect(await p.waitForExit()).toBe(3);
    expectOnlyNdjson(p);
  });

  it('exits 5 and asks for --json when stdout is not a terminal', async () => {
    const p = spawnCli(['demo']);
    expect(await p.waitForExit()).toBe(5);
    expect(p.stderr()).toMatch(/--json/);
    expect(p.events).toEqual([]);
  });

  it('exits 2 on a bad flag', async () => {
    const p = spawnCli(['--port', '1']);
    expect(await p.waitForExit()).toBe(2);
    expect(p.stderr()).toMatch(/unknown option '--port'/);
  });
});

/** A port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const address = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
