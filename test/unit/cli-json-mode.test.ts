import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatEvent, parseCommandLine, runJsonMode, type ParsedLine } from '../../src/cli/json-mode.js';
import { ExitCodes } from '../../src/errors.js';
import { FakeSession } from '../helpers/fake-session.js';

describe('parseCommandLine', () => {
  const send = (text: string): ParsedLine => ({ kind: 'command', command: { cmd: 'send', text } });
  const cmd = (c: 'next' | 'reconnect' | 'quit' | 'typing' | 'block'): ParsedLine => ({
    kind: 'command',
    command: { cmd: c },
  });

  it.each<[string, ParsedLine]>([
    ['hello there', send('hello there')],
    ['  spaced  ', send('  spaced  ')],
    ['windows line\r', send('windows line')],
    ['', { kind: 'empty' }],
    ['   ', { kind: 'empty' }],
    ['/next', cmd('next')],
    ['/NEXT', cmd('next')],
    [' /reconnect ', cmd('reconnect')],
    ['/quit', cmd('quit')],
    ['/typing', cmd('typing')],
    ['//slash at start', send('/slash at start')],
    ['{"cmd":"send","text":"hi"}', send('hi')],
    ['{"cmd":"send","text":"/next"}', send('/next')],
    ['{"cmd":"typing"}', cmd('typing')],
    ['{"cmd":"next"}', cmd('next')],
    ['{"cmd":"reconnect"}', cmd('reconnect')],
    ['{"cmd":"quit","extra":1}', cmd('quit')],
    ['/block', cmd('block')],
    ['{"cmd":"block"}', cmd('block')],
    ['/report spam bot', { kind: 'command', command: { cmd: 'report', reason: 'spam bot' } }],
    ['{"cmd":"report","reason":"rude"}', { kind: 'command', command: { cmd: 'report', reason: 'rude' } }],
    ['/video off', { kind: 'command', command: { cmd: 'video', on: false } }],
    ['/VIDEO On', { kind: 'command', command: { cmd: 'video', on: true } }],
    ['{"cmd":"video","on":false}', { kind: 'command', command: { cmd: 'video', on: false } }],
    ['{"cmd":"video","on":true}', { kind: 'command', command: { cmd: 'video', on: true } }],
    ['/mute', { kind: 'command', command: { cmd: 'mute', muted: true } }],
    ['/mute off', { kind: 'command', command: { cmd: 'mute', muted: false } }],
    ['/unmute', { kind: 'command', command: { cmd: 'mute', muted: false } }],
    ['{"cmd":"mute","muted":true}', { kind: 'command', command: { cmd: 'mute', muted: true } }],
    ['{"cmd":"mute","muted":false}', { kind: 'command', command: { cmd: 'mute', muted: false } }],
    ['{"cmd":"mute"}', { kind: 'command', command: { cmd: 'mute', muted: true } }],
  ])('%j → %j', (line, expected) => {
    expect(parseCommandLine(line)).toEqual(expected);
  });

  it.each([
    ['/bogus', /unknown command "\/bogus"/],
    ['{not json', /not valid JSON/],
    ['{"cmd":"send"}', /needs a string "text"/],
    ['{"cmd":"send","text":5}', /needs a string "text"/],
    ['{"cmd":"dance"}', /unknown "cmd" "dance"/],
    ['{"text":"hi"}', /unknown "cmd" "undefined"/],
    ['{}', /unknown "cmd"/],
    ['{"cmd":"report"}', /needs a string "reason"/],
    ['/video', /usage: \/video on, \/video off/],
    ['/video maybe', /usage: \/video on/],
    ['/mute loudly', /usage: \/mute/],
    ['/next please', /unknown command/],
    ['{"cmd":"video"}', /needs a boolean "on"/],
    ['{"cmd":"video","on":"off"}', /needs a boolean "on"/],
    ['{"cmd":"mute","muted":"yes"}', /boolean "muted"/],
    ['/self', /terminal UI/],
    ['{"cmd":"self"}', /terminal UI/],
  ])('%j is invalid', (line, message) => {
    const parsed = parseCommandLine(line);
    expect(parsed.kind).toBe('invalid');
    if (parsed.kind === 'invalid') expect(parsed.message).toMatch(message);
  });
});

describe('formatEvent', () => {
  it('puts event and ts first, then the payload', () => {
    expect(formatEvent({ name: 'message', data: { id: 'a', text: 'hi' } }, 5)).toBe(
      '{"event":"message","ts":5,"id":"a","text":"hi"}',
    );
    expect(formatEvent({ name: 'typing', data: {} }, 7)).toBe('{"event":"typing","ts":7}');
  });
});

function harness(session = new FakeSession(), media = false) {
  const stdin = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  const io = {
    stdin,
    now: () => 1000,
    writeLine: (line: string) => {
      lines.push(JSON.parse(line) as Record<string, unknown>);
      for (const w of waiters.splice(0)) w();
    },
  };
  const until = (pred: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> =>
    new Promise((resolve) => {
      const check = (): void => {
        const hit = lines.find(pred);
        if (hit) resolve(hit);
        else waiters.push(check);
      };
      check();
    });
  return { session, stdin, lines, until, run: () => runJsonMode(session, { ...io, media }) };
}

describe('runJsonMode', () => {
  it('prints events as NDJSON, runs commands, and quits with 0 at end of stdin', async () => {
    const h = harness();
    const done = h.run();
    await h.until((l) => l.event === 'state' && l.state === 'searching');
    h.session.connect();
    h.stdin.write('hello\n{"cmd":"typing"}\n/next\n');
    await h.until((l) => l.event === 'state' && l.state === 'searching' && l.prev === 'connected');
    h.stdin.end();
    expect(await done).toBe(ExitCodes.OK);
    expect(h.session.calls).toEqual(['start', 'send:hello', 'typing', 'next', 'stop']);
    expect(h.lines.every((l) => typeof l.event === 'string' && l.ts === 1000)).toBe(true);
    expect(h.lines).toContainEqual({ event: 'sent', ts: 1000, id: 'm1', text: 'hello', queued: false });
    expect(h.lines.at(-1)).toEqual({ event: 'state', ts: 1000, state: 'closed', prev: 'searching' });
  });

  it('reports bad commands and send failures as non-fatal errors and carries on', async () => {
    const h = harness();
    const done = h.run();
    h.stdin.write('/dance\nhi\n');
    await h.until((l) => l.code === 'ERR_NO_PARTNER');
    const bad = await h.until((l) => l.code === 'ERR_BAD_COMMAND');
    expect(bad).toMatchObject({ event: 'error', fatal: false });
    h.stdin.write('{"cmd":"quit"}\n');
    expect(await done).toBe(ExitCodes.OK);
  });

  it('passes /video and /mute to the session when it has media', async () => {
    const calls: string[] = [];
    const session = Object.assign(new FakeSession(), {
      setVideo: (on: boolean) => void calls.push(`video:${on}`),
      setMuted: (muted: boolean) => void calls.push(`muted:${muted}`),
    });
    const h = harness(session, true);
    const done = h.run();
    h.stdin.write('/video off\n{"cmd":"video","on":true}\n/mute\n{"cmd":"mute","muted":false}\n/self\n');
    await h.until((l) => l.code === 'ERR_BAD_COMMAND');
    h.stdin.end();
    expect(await done).toBe(ExitCodes.OK);
    expect(calls).toEqual(['video:false', 'video:true', 'muted:true', 'muted:false']);
  });

  it('refuses media commands in a text-only session', async () => {
    const h = harness();
    const done = h.run();
    h.stdin.write('/video off\n');
    const err = await h.until((l) => l.code === 'ERR_BAD_COMMAND');
    expect(err.message).toMatch(/text-only unless --video or --audio/);
    h.stdin.end();
    expect(await done).toBe(ExitCodes.OK);
  });

  it('exits with SIGNALING when the server cannot be reached', async () => {
    const session = new FakeSession();
    session.startError = new Error('connect ECONNREFUSED 127.0.0.1:1');
    const h = harness(session);
    expect(await h.run()).toBe(ExitCodes.SIGNALING);
    expect(h.lines).toContainEqual(
      expect.objectContaining({ event: 'error', code: 'ERR_SIGNALING_UNREACHABLE', fatal: true }),
    );
  });

  it('exits with PROTOCOL after a fatal version mismatch', async () => {
    const h = harness();
    const done = h.run();
    await h.until((l) => l.state === 'searching');
    h.session.fire('error', { code: 'ERR_VERSION_MISMATCH', message: 'server speaks v2', fatal: true });
    h.session.setState('closed');
    expect(await done).toBe(ExitCodes.PROTOCOL);
  });

  it('exits with INTERRUPTED on a signal', async () => {
    const h = harness();
    let fire: (() => void) | undefined;
    const done = runJsonMode(h.session, {
      stdin: h.stdin,
      writeLine: () => undefined,
      onSignal: (handler) => {
        fire = () => handler('SIGINT');
        return () => (fire = undefined);
      },
    });
    fire?.();
    expect(await done).toBe(ExitCodes.INTERRUPTED);
    expect(h.session.calls).toContain('stop');
  });
});
