import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  attachDemoBehaviour,
  demoGreeting,
  demoReply,
  DemoStrangerPool,
} from '../../src/cli/demo-stranger.js';
import type { SessionFactoryOptions } from '../../src/cli/session-like.js';
import { FakeSession } from '../helpers/fake-session.js';

afterEach(() => vi.useRealTimers());

describe('demo stranger behaviour', () => {
  it('greets when connected and answers every message, showing typing first', async () => {
    vi.useFakeTimers();
    const s = new FakeSession();
    attachDemoBehaviour(s, { number: 3, replyDelayMs: 400 });
    await s.start();
    s.connect();
    expect(s.calls).toContain('typing');
    expect(s.sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(400);
    expect(s.sent).toEqual([demoGreeting(3)]);
    s.fire('message', { id: 'u1', text: 'hello bot' });
    await vi.advanceTimersByTimeAsync(400);
    expect(s.sent.at(-1)).toBe('You said "hello bot". Nice to meet you!');
  });

  it('greets once per stranger, not again after a /reconnect rebuild', async () => {
    vi.useFakeTimers();
    const s = new FakeSession();
    attachDemoBehaviour(s, { number: 2, replyDelayMs: 10 });
    await s.start();
    s.connect('m1');
    await vi.advanceTimersByTimeAsync(10);
    s.fire('connected', { matchId: 'm1', setupMs: 90, candidateType: 'host' }); // rebuilt
    await vi.advanceTimersByTimeAsync(10);
    expect(s.sent).toEqual([demoGreeting(2)]);
    s.connect('m2'); // a new stranger
    await vi.advanceTimersByTimeAsync(10);
    expect(s.sent).toEqual([demoGreeting(2), demoGreeting(2)]);
  });

  it('stays quiet once detached or when the user has left', async () => {
    vi.useFakeTimers();
    const s = new FakeSession();
    const detach = attachDemoBehaviour(s, { number: 1 });
    await s.start();
    s.connect();
    s.setState('idle');
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.sent).toEqual([]);
    detach();
    s.connect('m2');
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.sent).toEqual([]);
  });

  it('quotes long messages briefly and rotates its remarks', () => {
    expect(demoReply('x'.repeat(500), 0).length).toBeLessThan(200);
    expect(demoReply('a', 0)).not.toBe(demoReply('a', 1));
  });
});

describe('DemoStrangerPool', () => {
  const setup = () => {
    const sessions: FakeSession[] = [];
    const pool = new DemoStrangerPool({
      serverUrl: 'ws://127.0.0.1:1',
      interests: ['music'],
      replyDelayMs: 0,
      createSession: (opts: SessionFactoryOptions) => {
        const s = new FakeSession(opts);
        sessions.push(s);
        return s;
      },
    });
    return { pool, sessions };
  };

  it('keeps exactly one stranger waiting, and replaces strangers whose chat ended', async () => {
    const { pool, sessions } = setup();
    await pool.start();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.options).toMatchObject({ loopbackOnly: true, autoNext: false, interests: ['music'] });
    expect(sessions[0]?.state).toBe('searching');

    sessions[0]?.connect('m1'); // the user got stranger #1: a new one waits for the next /next
    await vi.waitFor(() => expect(sessions).toHaveLength(2));
    expect(sessions[1]?.state).toBe('searching');

    sessions[1]?.connect('m2'); // the user pressed /next and got #2 …
    await vi.waitFor(() => expect(sessions).toHaveLength(3));
    sessions[0]?.fire('partner-left', { matchId: 'm1', reason: 'skipped' }); // … and #1 was skipped
    await vi.waitFor(() => expect(sessions[0]?.state).toBe('closed'));
    expect(sessions).toHaveLength(3); // #3 is already waiting: no second spare
    expect(pool.size).toBe(2);

    await pool.close();
    expect(sessions.every((s) => s.state === 'closed')).toBe(true);
    expect(pool.size).toBe(0);
  });

  it('does not respawn strangers whose session died', async () => {
    const { pool, sessions } = setup();
    await pool.start();
    sessions[0]?.fire('error', { code: 'ERR_SIGNALING_CLOSED', message: 'gone', fatal: true });
    sessions[0]?.setState('closed');
    await vi.waitFor(() => expect(pool.size).toBe(0));
    expect(sessions).toHaveLength(1);
    await pool.close();
  });
});
