import { describe, expect, it } from 'vitest';
import type { AnySessionEvent } from '../../src/cli/session-like.js';
import {
  initialView,
  isPartnerTyping,
  MAX_LINES,
  reduceView,
  TYPING_SHOW_MS,
  WELCOME_LINE,
  type ViewState,
} from '../../src/cli/ui/view-model.js';

const ev = (event: AnySessionEvent, now = 0) => ({ type: 'session' as const, event, now });
const texts = (s: ViewState): string[] => s.lines.map((l) => l.text);
const fold = (events: AnySessionEvent[], start = initialView()): ViewState =>
  events.reduce((s, e) => reduceView(s, ev(e)), start);

const connected: AnySessionEvent[] = [
  { name: 'state', data: { state: 'searching', prev: 'idle' } },
  { name: 'signaling', data: { up: true } },
  { name: 'matched', data: { matchId: 'm1', role: 'offerer', interests: ['music'] } },
  { name: 'state', data: { state: 'connecting', prev: 'searching' } },
  { name: 'state', data: { state: 'connected', prev: 'connecting' } },
  { name: 'connected', data: { matchId: 'm1', setupMs: 99, candidateType: 'srflx' } },
];

describe('reduceView', () => {
  it('starts with the help hint and any notice lines', () => {
    expect(texts(initialView({ notice: ['Serving on ws://x'] }))).toEqual([
      'Serving on ws://x',
      'Type /help for commands.',
    ]);
  });

  it('greets once per match and lists common interests', () => {
    const s = fold(connected);
    expect(s.sessionState).toBe('connected');
    expect(s.candidateType).toBe('srflx');
    expect(s.setupMs).toBe(99);
    expect(s.interests).toEqual(['music']);
    expect(texts(s).slice(-3)).toEqual([
      'Looking for a random stranger to chat with…',
      WELCOME_LINE,
      'You both like: music.',
    ]);
    // A rebuilt connection for the same match does not greet again.
    const again = fold(
      [{ name: 'connected', data: { matchId: 'm1', setupMs: 5, candidateType: 'host' } }],
      s,
    );
    expect(again.lines.length).toBe(s.lines.length);
  });

  type Row = [string, AnySessionEvent[], (s: ViewState) => void];
  it.each<Row>([
    [
      'partner message',
      [{ name: 'message', data: { id: 'a', text: 'hey' } }],
      (s) => {
        expect(s.lines.at(-1)).toMatchObject({ kind: 'partner', text: 'hey' });
      },
    ],
    [
      'sent → delivered ✓',
      [
        { name: 'sent', data: { id: 'x', text: 'yo', queued: true } },
        { name: 'delivered', data: { id: 'x' } },
      ],
      (s) =>
        expect(s.lines.at(-1)).toMatchObject({ kind: 'self', text: 'yo', msgId: 'x', status: 'delivered' }),
    ],
    [
      'queued message',
      [{ name: 'sent', data: { id: 'q', text: 'early', queued: true } }],
      (s) => expect(s.lines.at(-1)?.status).toBe('queued'),
    ],
    [
      'undelivered',
      [
        { name: 'sent', data: { id: 'u1', text: 'lost', queued: false } },
        { name: 'undelivered', data: { ids: ['u1'], reason: 'stranger left' } },
      ],
      (s) => expect(s.lines.at(-1)?.status).toBe('undelivered'),
    ],
    [
      'stranger skipped',
      [{ name: 'partner-left', data: { matchId: 'm1', reason: 'skipped' } }],
      (s) => {
        expect(texts(s).slice(-2)).toEqual(['Stranger skipped you.', 'Type /next to meet a new stranger.']);
        expect(s.interests).toEqual([]);
        expect(s.candidateType).toBeNull();
      },
    ],
    [
      'stranger left',
      [{ name: 'partner-left', data: { matchId: 'm1', reason: 'left' } }],
      (s) => expect(texts(s)).toContain('Stranger has disconnected.'),
    ],
    [
      'stranger timed out',
      [{ name: 'partner-left', data: { matchId: 'm1', reason: 'timeout' } }],
      (s) => expect(texts(s)).toContain('Stranger has disconnected (no response).'),
    ],
    [
      'partner reconnecting then back',
      [{ name: 'reconnecting', data: { who: 'partner' } }],
      (s) => {
        expect(s.partnerReconnecting).toBe(true);
        const back = reduceView(s, ev({ name: 'resumed', data: { who: 'partner' } }));
        expect(back.partnerReconnecting).toBe(false);
        expect(texts(back).slice(-2)).toEqual(['Stranger is reconnecting…', 'Stranger is back.']);
      },
    ],
    [
      'self reconnecting with attempt',
      [{ name: 'reconnecting', data: { who: 'self', attempt: 2, delayMs: 500 } }],
      (s) => {
        expect(s.selfReconnecting).toEqual({ attempt: 2 });
        expect(texts(s).at(-1)).toBe('Reconnecting… (attempt 2)');
      },
    ],
    [
      'signaling lost and back',
      [{ name: 'signaling', data: { up: false } }],
      (s) => {
        expect(s.signalingLost).toBe(true);
        expect(texts(s).at(-1)).toBe('Lost the signaling server; chat continues peer-to-peer.');
        const back = reduceView(s, ev({ name: 'signaling', data: { up: true } }));
        expect(back.signalingLost).toBe(false);
        expect(texts(back).at(-1)).toBe('Signaling server is back.');
      },
    ],
    [
      'stats',
      [{ name: 'stats', data: { rttMs: 12.4, candidateType: 'relay' } }],
      (s) => {
        expect(s.rttMs).toBe(12.4);
        expect(s.candidateType).toBe('relay');
      },
    ],
    [
      'error',
      [{ name: 'error', data: { code: 'ERR_PEER_FAILED', message: 'ICE failed', fatal: false } }],
      (s) => expect(s.lines.at(-1)).toMatchObject({ kind: 'error', text: 'ICE failed (ERR_PEER_FAILED)' }),
    ],
    [
      'closed',
      [{ name: 'state', data: { state: 'closed', prev: 'connected' } }],
      (s) => expect(texts(s).at(-1)).toBe('Session closed.'),
    ],
  ])('%s', (_name, events, check) => {
    check(fold(events, fold(connected)));
  });

  it('does not suggest /next when auto-next is on', () => {
    const s = fold(
      [{ name: 'partner-left', data: { matchId: 'm1', reason: 'left' } }],
      fold(connected, initialView({ autoNext: true })),
    );
    expect(texts(s)).not.toContain('Type /next to meet a new stranger.');
  });

  it('shows "typing…" for a while, and hides it when the message arrives', () => {
    const s = reduceView(fold(connected), ev({ name: 'typing', data: {} }, 1000));
    expect(isPartnerTyping(s, 1000 + TYPING_SHOW_MS - 1)).toBe(true);
    expect(isPartnerTyping(s, 1000 + TYPING_SHOW_MS)).toBe(false);
    const m = reduceView(s, ev({ name: 'message', data: { id: '1', text: 'hi' } }, 1100));
    expect(isPartnerTyping(m, 1100)).toBe(false);
  });

  it('marks only the newest line with a reused id', () => {
    const s = fold([
      { name: 'sent', data: { id: '1', text: 'old match', queued: false } },
      { name: 'sent', data: { id: '1', text: 'new match', queued: false } },
      { name: 'delivered', data: { id: '1' } },
    ]);
    expect(s.lines.filter((l) => l.status === 'delivered').map((l) => l.text)).toEqual(['new match']);
  });

  it('strips control characters from any line and caps the log', () => {
    let s = reduceView(initialView(), { type: 'system', text: 'evil\x1b[2Jtext\x07' });
    expect(texts(s).at(-1)).toBe('eviltext');
    for (let i = 0; i < MAX_LINES + 10; i++) s = reduceView(s, { type: 'system', text: `l${i}` });
    expect(s.lines.length).toBe(MAX_LINES);
    expect(texts(s).at(-1)).toBe(`l${MAX_LINES + 9}`);
    expect(reduceView(s, { type: 'clear' }).lines).toEqual([]);
  });
});
