/**
 * The real Ink UI in a real pseudo-terminal (tmux): `randchat demo`, chat with the demo stranger,
 * `/quit`, and check the terminal is given back. Needs `npm run build` and tmux (CI installs it).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Tmux, tmuxAvailable } from '../helpers/tmux.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HAVE_TMUX = tmuxAvailable();
const STRICT = process.env.RANDCHAT_TEST_STRICT === '1';

if (!HAVE_TMUX) {
  const msg = 'tmux is not installed: SKIPPING the terminal UI end-to-end test (install tmux to run it)';
  if (STRICT) throw new Error(`${msg}; RANDCHAT_TEST_STRICT=1 makes this a failure`);
  console.warn(`\n!!! ${msg} !!!\n`);
}

describe.skipIf(!HAVE_TMUX)('randchat demo in a terminal (tmux)', () => {
  let tmux: Tmux | null = null;
  afterEach(() => {
    tmux?.kill();
    tmux = null;
  });

  it('chats with the demo stranger, quits with /quit, and restores the terminal', async () => {
    const t = new Tmux();
    tmux = t;
    t.start({ width: 100, height: 30, cwd: ROOT });
    // Ink draws no live frames when CI is set; NO_COLOR keeps the screen plain.
    t.type(`env -u CI NO_COLOR=1 ${process.execPath} bin/randchat.js demo; echo "EXIT=$?"`);
    t.press('Enter');

    await t.waitForScreen(
      (s) => s.includes('● connected') && s.includes('demo stranger #1'),
      30_000,
      'the UI to connect to the demo stranger',
    );
    expect(t.display('#{alternate_on}')).toBe('1');

    t.type('hello from tmux');
    t.press('Enter');
    const screen = await t.waitForScreen(
      (s) => s.includes('Stranger: You said "hello from tmux"'),
      15_000,
      "the demo stranger's reply",
    );
    expect(screen).toMatch(/You: hello from tmux ✓/);

    t.type('/quit');
    t.press('Enter');
    const after = await t.waitForScreen((s) => /EXIT=\d+/.test(s), 15_000, 'randchat to exit');
    expect(after).toContain('EXIT=0');
    // The terminal is back: main screen, cursor shown, UI gone, and the tty is in cooked mode
    // again (in raw mode Enter would not run this command, and its output would not appear).
    expect(t.display('#{alternate_on}')).toBe('0');
    expect(t.display('#{cursor_flag}')).toBe('1');
    expect(after).not.toContain('● connected');
    t.type('echo "RESTORED-$((40+2))"');
    t.press('Enter');
    await t.waitForScreen((s) => s.includes('RESTORED-42'), 5_000, 'the shell to run a command');
  });
});
