/**
 * `randchat demo` with video, in a real terminal (tmux): the real CLI, its in-process server and a
 * demo stranger sending the test pattern through real ffmpeg and werift. Needs no camera or
 * microphone (`--video none --audio none --no-audio-out`). Checks the wiring from the session's
 * `remote-frame` events to the video pane: coloured half-block cells above an intact chat, a chat
 * reply, `/video off|on`, `/next` to a new stranger with video, and `/quit` restoring the terminal
 * and leaving no ffmpeg behind. Needs `npm run build`, tmux and ffmpeg.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { computeVideoLayout } from '../../src/cli/ui/video-layout.js';
import { requireFfmpegOrSkip } from '../helpers/media.js';
import { processGone, pollUntil } from '../helpers/require-binary.js';
import { descendants, parseCells, Tmux, tmuxAvailable } from '../helpers/tmux.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HAVE_TMUX = tmuxAvailable();
const STRICT = process.env.RANDCHAT_TEST_STRICT === '1';
if (!HAVE_TMUX) {
  const msg = 'tmux is not installed: SKIPPING the demo video end-to-end test (install tmux to run it)';
  if (STRICT) throw new Error(`${msg}; RANDCHAT_TEST_STRICT=1 makes this a failure`);
  console.warn(`\n!!! ${msg} !!!\n`);
}
const FFMPEG = HAVE_TMUX ? requireFfmpegOrSkip('the demo video end-to-end test') : null;

const COLS = 100;
const ROWS = 30;
const LAYOUT = computeVideoLayout(COLS, ROWS, true);

/** Half-block cells with a colour in the pane rows, and how many distinct colours they use. */
function paneVideo(escaped: string): { cells: number; colours: number } {
  const colours = new Set<string>();
  let cells = 0;
  for (const line of escaped.split('\n').slice(0, LAYOUT.paneRows)) {
    for (const c of parseCells(line)) {
      if ((c.ch !== '▀' && c.ch !== '▄') || (c.fg === '' && c.bg === '')) continue;
      cells++;
      colours.add(c.fg).add(c.bg);
    }
  }
  return { cells, colours: colours.size };
}
const showsVideo = (escaped: string): boolean => {
  const v = paneVideo(escaped);
  return v.cells >= 100 && v.colours >= 3;
};
/** The status line right below the pane and the input line further down: Ink is intact. */
const chatBelowPane = (screen: string): boolean => {
  const lines = screen.split('\n');
  return (
    (lines[LAYOUT.paneRows] ?? '').startsWith('randchat ● connected') &&
    lines.slice(LAYOUT.paneRows).some((l) => l.startsWith('> ')) &&
    !/[▀▄]/.test(lines.slice(LAYOUT.paneRows).join('\n'))
  );
};

describe.skipIf(!HAVE_TMUX || !FFMPEG)('randchat demo with video in a terminal (tmux)', () => {
  let tmux: Tmux | null = null;
  afterEach(() => {
    tmux?.kill();
    tmux = null;
  });

  it("shows the demo stranger's live video above the chat; /video, /next and /quit work", async () => {
    const t = new Tmux();
    tmux = t;
    t.start({ width: COLS, height: ROWS, cwd: ROOT });
    const env = `env -u CI -u NO_COLOR COLORTERM=truecolor RANDCHAT_FFMPEG=${FFMPEG}`;
    t.type(
      `${env} ${process.execPath} bin/randchat.js demo --video none --audio none --no-audio-out; echo "EXIT=$?"`,
    );
    t.press('Enter');
    const shell = Number(t.display('#{pane_pid}'));

    await t.waitForScreen(
      (s) => s.includes('demo stranger #1') && chatBelowPane(s),
      30_000,
      'the chat with demo stranger #1 below the video pane',
    );
    await t.waitForScreen(showsVideo, 20_000, "the stranger's picture in colour", { escapes: true });
    expect(t.display('#{alternate_on}')).toBe('1');
    // Every ffmpeg of this run, to check none outlives it.
    const ffmpegs = new Set<number>();
    const collect = (): void => {
      for (const p of descendants(shell)) if (p.comm.startsWith('ffmpeg')) ffmpegs.add(p.pid);
    };
    collect();
    if (process.platform === 'linux') expect(ffmpegs.size).toBeGreaterThan(0);

    t.type('hello video');
    t.press('Enter');
    await t.waitForScreen(
      (s) => s.includes('Stranger: You said "hello video"') && chatBelowPane(s),
      15_000,
      "the demo stranger's reply, the chat still below the pane",
    );
    expect(t.capture()).toMatch(/You: hello video ✓/);

    t.type('/video off');
    t.press('Enter');
    await t.waitForScreen(
      (s) => s.includes('Video off.') && !/[▀▄]/.test(s),
      10_000,
      'the pane to hide on /video off',
    );
    t.type('/video on');
    t.press('Enter');
    await t.waitForScreen((s) => s.includes('Video on.') && chatBelowPane(s), 10_000, 'the pane back');
    await t.waitForScreen(showsVideo, 15_000, 'the picture again after /video on', { escapes: true });

    collect();
    t.type('/next');
    t.press('Enter');
    await t.waitForScreen(
      (s) => s.includes('demo stranger #2') && chatBelowPane(s),
      30_000,
      'demo stranger #2 after /next',
    );
    await t.waitForScreen(showsVideo, 20_000, "the new stranger's picture", { escapes: true });
    collect();

    t.type('/quit');
    t.press('Enter');
    const after = await t.waitForScreen((s) => /EXIT=\d+/.test(s), 20_000, 'randchat to exit');
    expect(after).toContain('EXIT=0');
    expect(t.display('#{alternate_on}')).toBe('0');
    expect(t.display('#{cursor_flag}')).toBe('1');
    expect(after).not.toMatch(/[▀▄]/);
    await pollUntil(
      () => [...ffmpegs].every(processGone),
      5_000,
      `ffmpeg children outliving randchat: ${[...ffmpegs].filter((p) => !processGone(p)).join(', ')}`,
    );
    t.type('echo "RESTORED-$((40+2))"');
    t.press('Enter');
    await t.waitForScreen((s) => s.includes('RESTORED-42'), 5_000, 'the shell to run a command');
  });
});
