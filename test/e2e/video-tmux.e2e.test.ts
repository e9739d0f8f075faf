/**
 * The video pane in a real pseudo-terminal (tmux): the real Ink UI with a video pane, fed moving
 * colour bars by test/fixtures/video-pane-app.mjs. Checks the pane's half-block cells and colours
 * (capture-pane -e), that Ink's status and input lines stay intact below the pane (also after
 * typing and after a resize), and reports frames drawn and bytes written per second (no timing
 * asserts). Needs `npm run build` and tmux.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { computeVideoLayout } from '../../src/cli/ui/video-layout.js';
import { parseCells, Tmux, tmuxAvailable } from '../helpers/tmux.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HAVE_TMUX = tmuxAvailable();
const STRICT = process.env.RANDCHAT_TEST_STRICT === '1';

if (!HAVE_TMUX) {
  const msg = 'tmux is not installed: SKIPPING the video pane end-to-end test (install tmux to run it)';
  if (STRICT) throw new Error(`${msg}; RANDCHAT_TEST_STRICT=1 makes this a failure`);
  console.warn(`\n!!! ${msg} !!!\n`);
}

interface Stats {
  framesDrawn: number;
  framesSkipped: number;
  bytes: number;
  seconds: number;
  final: boolean;
}

const BARS = ['255,255,255', '255,255,0', '0,255,255', '0,255,0', '255,0,255', '255,0,0', '0,0,255'];
const dim = (rgb: string): string =>
  rgb
    .split(',')
    .map((v) => String(Number(v) >> 1))
    .join(',');

describe.skipIf(!HAVE_TMUX)('video pane beside Ink in a terminal (tmux)', () => {
  let tmux: Tmux | null = null;
  let dir: string | null = null;
  afterEach(() => {
    tmux?.kill();
    tmux = null;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  it('draws half-block video above an intact Ink chat, follows a resize, and restores the terminal', async () => {
    const t = new Tmux();
    tmux = t;
    dir = mkdtempSync(path.join(os.tmpdir(), 'randchat-video-'));
    const statsFile = path.join(dir, 'stats.json');
    t.start({ width: 100, height: 30, cwd: ROOT });
    t.type(
      `env -u CI -u NO_COLOR ${process.execPath} test/fixtures/video-pane-app.mjs ${statsFile}; echo "EXIT=$?"`,
    );
    t.press('Enter');

    const checkScreen = async (cols: number, rows: number, what: string): Promise<void> => {
      const layout = computeVideoLayout(cols, rows, true);
      expect(layout.paneRows).toBeGreaterThan(0);
      const screen = await t.waitForScreen(
        (s) => {
          const lines = s.split('\n');
          return lines.length >= rows && (lines[layout.paneRows] ?? '').startsWith('randchat ● connected');
        },
        20_000,
        `${what}: the status line right below a ${layout.paneRows}-row pane`,
      );
      const lines = screen.split('\n');
      // Ink: the input line below the pane, and no video below the pane.
      expect(lines.slice(layout.paneRows).some((l) => l.startsWith('> '))).toBe(true);
      expect(lines.slice(layout.paneRows).join('\n')).not.toMatch(/[▀▄]/);
      // The pane: ▀ cells with each bar's colour above its half-intensity twin, and the orange self-view
      // (frames keep arriving after the layout settles: wait until a whole frame of each is drawn).
      const self = layout.self!;
      const inspect = (escaped: string) => {
        const cells = escaped.split('\n').slice(0, layout.paneRows).map(parseCells);
        const pairs = new Set(
          cells
            .flat()
            .filter((c) => c.ch === '▀')
            .map((c) => `${c.fg}/${c.bg}`),
        );
        const corner = cells
          .slice(self.row, self.row + self.rows)
          .flatMap((row) => row.slice(self.col, self.col + self.cols));
        const orange = corner.filter((c) => c.bg === '255,128,0' || c.fg === '255,128,0').length;
        return { pairs, orange };
      };
      const enough = (v: ReturnType<typeof inspect>): boolean =>
        BARS.every((bar) => v.pairs.has(`${bar}/${dim(bar)}`)) && v.orange > (self.cols * self.rows) / 2;
      const drawn = inspect(
        await t.waitForScreen((s) => enough(inspect(s)), 20_000, `${what}: the bars and the self-view`, {
          escapes: true,
        }),
      );
      for (const bar of BARS) expect(drawn.pairs, `${what}: bar ${bar}`).toContain(`${bar}/${dim(bar)}`);
      expect(drawn.orange).toBeGreaterThan((self.cols * self.rows) / 2);
    };

    await checkScreen(100, 30, 'start');
    expect(t.display('#{alternate_on}')).toBe('1');

    t.type('hello video');
    t.press('Enter');
    await t.waitForScreen((s) => s.includes('You: hello video ✓'), 15_000, 'the chat line');
    await checkScreen(100, 30, 'after chatting');

    execFileSync('tmux', ['-L', t.socket, 'resize-window', '-t', t.session, '-x', '80', '-y', '24']);
    await checkScreen(80, 24, 'after resizing to 80×24');
    expect(t.capture()).toContain('You: hello video ✓');

    // Let it play for ~3 s of frames (the fixture writes its counters every 250 ms) before quitting.
    const readStats = (): Stats | null => {
      try {
        return JSON.parse(readFileSync(statsFile, 'utf8')) as Stats;
      } catch {
        return null; // not written yet, or caught mid-write
      }
    };
    const deadline = Date.now() + 20_000;
    while ((readStats()?.framesDrawn ?? 0) < 90) {
      if (Date.now() > deadline)
        throw new Error(`the pane drew too few frames: ${JSON.stringify(readStats())}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    t.type('/quit');
    t.press('Enter');
    const after = await t.waitForScreen((s) => /EXIT=\d+/.test(s), 15_000, 'the fixture to exit');
    expect(after).toContain('EXIT=0');
    expect(t.display('#{alternate_on}')).toBe('0');
    expect(t.display('#{cursor_flag}')).toBe('1');

    const stats = readStats();
    if (!stats) throw new Error('no statistics from the fixture');
    expect(stats.final).toBe(true);
    console.error(
      `video pane in tmux: ${(stats.framesDrawn / stats.seconds).toFixed(1)} frames drawn/s, ` +
        `${Math.round(stats.bytes / stats.seconds).toLocaleString('en-US')} bytes written/s ` +
        `(${stats.framesDrawn} frames, ${stats.framesSkipped} skipped, ${stats.seconds.toFixed(1)} s)`,
    );
  });
});
