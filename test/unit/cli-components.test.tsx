import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { shouldUseColor } from '../../src/cli/color.js';
import { App } from '../../src/cli/ui/app.js';
import { ChatLog } from '../../src/cli/ui/chat-log.js';
import { InputLine } from '../../src/cli/ui/input-line.js';
import { StatusLine, type StatusLineProps } from '../../src/cli/ui/status-line.js';
import { makeTheme, ThemeContext } from '../../src/cli/ui/theme.js';
import type { ChatLine } from '../../src/cli/ui/view-model.js';
import { FakeSession } from '../helpers/fake-session.js';

afterEach(() => cleanup());

const status: StatusLineProps = {
  sessionState: 'connected',
  interests: [],
  candidateType: 'host',
  rttMs: 12.6,
  signalingDown: false,
  partnerReconnecting: false,
  selfReconnecting: false,
};

describe('StatusLine', () => {
  it.each<[string, Partial<StatusLineProps>, string[], string[]]>([
    ['connected', {}, ['● connected', 'host', 'rtt 13 ms'], ['signaling down']],
    ['searching', { sessionState: 'searching', rttMs: null }, ['looking for a stranger…'], ['host', 'rtt']],
    ['interests', { interests: ['music', 'go'] }, ['common: music, go'], []],
    ['signaling down', { signalingDown: true }, ['signaling down'], []],
    ['relay', { candidateType: 'relay' }, ['relay'], []],
    ['partner reconnecting', { partnerReconnecting: true }, ['stranger reconnecting…'], []],
  ])('%s', (_name, props, present, absent) => {
    const frame = render(<StatusLine {...status} {...props} />).lastFrame() ?? '';
    for (const p of present) expect(frame).toContain(p);
    for (const a of absent) expect(frame).not.toContain(a);
  });
});

const line = (
  key: number,
  kind: ChatLine['kind'],
  text: string,
  extra: Partial<ChatLine> = {},
): ChatLine => ({
  key,
  kind,
  text,
  ...extra,
});

describe('ChatLog', () => {
  const lines = [
    line(0, 'system', "You're now chatting with a random stranger. Say hi!"),
    line(1, 'self', 'hi', { msgId: 'a', status: 'delivered' }),
    line(2, 'self', 'still there?', { msgId: 'b', status: 'undelivered' }),
    line(3, 'partner', 'hello'),
    line(4, 'error', 'oops (ERR_X)'),
  ];

  it('renders each kind of line, with delivery markers', () => {
    const frame = render(<ChatLog lines={lines} height={8} scrollOffset={0} />).lastFrame() ?? '';
    expect(frame).toContain("You're now chatting with a random stranger. Say hi!");
    expect(frame).toContain('You: hi ✓');
    expect(frame).toContain('You: still there? ✗ not delivered');
    expect(frame).toContain('Stranger: hello');
    expect(frame).toContain('! oops (ERR_X)');
  });

  it('keeps the newest lines when the log is taller than the view', () => {
    const many = Array.from({ length: 30 }, (_, i) => line(i, 'partner', `msg ${i}`));
    const frame = render(<ChatLog lines={many} height={5} scrollOffset={0} />).lastFrame() ?? '';
    expect(frame).toContain('msg 29');
    expect(frame).toContain('msg 25');
    expect(frame).not.toContain('msg 24');
  });

  it('scrolls up by an offset and says how much is below', () => {
    const many = Array.from({ length: 30 }, (_, i) => line(i, 'partner', `msg ${i}`));
    const frame = render(<ChatLog lines={many} height={5} scrollOffset={10} />).lastFrame() ?? '';
    expect(frame).toContain('msg 19');
    expect(frame).not.toContain('msg 20');
    expect(frame).toContain('↓ 10 newer lines below (PageDown)');
  });
});

describe('InputLine', () => {
  it('shows the prompt, typing indicator and hint', () => {
    const frame =
      render(<InputLine value="/ne" cursor={3} partnerTyping hint="/next — skip" />).lastFrame() ?? '';
    expect(frame).toContain('Stranger is typing…');
    expect(frame).toContain('> /ne');
    expect(frame).toContain('/next — skip');
  });

  it('shows a placeholder when empty', () => {
    const frame =
      render(
        <InputLine value="" cursor={0} partnerTyping={false} hint={null} placeholder="Say hi" />,
      ).lastFrame() ?? '';
    expect(frame).toContain('Say hi');
    expect(frame).not.toContain('typing');
  });
});

describe('colour', () => {
  it.each([
    [{}, true, true],
    [{}, false, false],
    [{ NO_COLOR: '1' }, true, false],
    [{ NO_COLOR: '' }, true, true],
    [{ FORCE_COLOR: '1' }, false, true],
    [{ FORCE_COLOR: '0' }, true, false],
    [{ FORCE_COLOR: '1', NO_COLOR: '1' }, false, true],
  ])('env %j, tty %s → %s', (env, tty, expected) => {
    expect(shouldUseColor(env, tty)).toBe(expected);
  });

  it('a colourless theme sets no colours at all', () => {
    const theme = makeTheme(false);
    expect(Object.entries(theme).filter(([k, v]) => k !== 'color' && v !== undefined)).toEqual([]);
  });
});

describe('App', () => {
  const mount = (session = new FakeSession()) => {
    const onQuit = vi.fn();
    const app = render(
      <ThemeContext.Provider value={makeTheme(false)}>
        <App session={session} onQuit={onQuit} />
      </ThemeContext.Provider>,
    );
    const frame = (): string => app.lastFrame() ?? '';
    const waitFor = (text: string) => vi.waitFor(() => expect(frame()).toContain(text), { timeout: 2000 });
    const type = async (text: string): Promise<void> => {
      for (const ch of text) app.stdin.write(ch);
      await waitFor(`> ${text}`);
    };
    return { app, session, onQuit, frame, waitFor, type };
  };

  it('shows the session as it connects, sends chat and marks delivery', async () => {
    const t = mount();
    await t.session.start();
    await t.waitFor('looking for a stranger');
    t.session.connect('m1', ['music']);
    await t.waitFor("You're now chatting with a random stranger. Say hi!");
    await t.waitFor('common: music');
    await t.type('hi there');
    expect(t.session.calls).toContain('typing');
    t.app.stdin.write('\r');
    await t.waitFor('You: hi there');
    t.session.fire('delivered', { id: 'm1' });
    await t.waitFor('You: hi there ✓');
    t.session.fire('typing');
    await t.waitFor('Stranger is typing…');
    t.session.fire('message', { id: 'p1', text: 'hello you' });
    await t.waitFor('Stranger: hello you');
    expect(t.frame()).not.toContain('Stranger is typing…');
  });

  it('runs slash commands and hints at unknown ones instead of sending them', async () => {
    const t = mount();
    await t.session.start();
    t.session.connect();
    await t.type('/nex');
    await t.waitFor('/next — skip this stranger');
    t.app.stdin.write('\t');
    await t.waitFor('> /next');
    t.app.stdin.write('\r');
    await vi.waitFor(() => expect(t.session.calls).toContain('next'));
    await t.waitFor('You skipped this stranger.');
    await t.type('/bogus');
    t.app.stdin.write('\r');
    await t.waitFor('Unknown command /bogus');
    expect(t.session.calls.filter((c) => c.startsWith('send:'))).toEqual([]);
    await t.type('/help');
    t.app.stdin.write('\r');
    await t.waitFor('/reconnect  rebuild the connection');
  });

  it('explains when there is nobody to talk to', async () => {
    const t = mount();
    await t.type('anyone?');
    t.app.stdin.write('\r');
    await t.waitFor('Not chatting with anyone yet.');
  });

  it('quits on /quit and on Ctrl+C', async () => {
    const t = mount();
    await t.type('/quit');
    t.app.stdin.write('\r');
    await vi.waitFor(() => expect(t.onQuit).toHaveBeenCalledTimes(1));
    t.app.stdin.write('\x03');
    await vi.waitFor(() => expect(t.onQuit).toHaveBeenCalledTimes(2));
  });
});
