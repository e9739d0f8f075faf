import { describe, expect, it } from 'vitest';
import { editInput, emptyInput, type EditKey, type InputState } from '../../src/cli/ui/input-state.js';
import { completeSlash, matchingCommands, parseInput, slashHint } from '../../src/cli/ui/slash.js';

describe('parseInput', () => {
  it.each([
    ['hello', { kind: 'chat', text: 'hello' }],
    ['   ', { kind: 'empty' }],
    ['/next', { kind: 'command', name: 'next' }],
    ['/Quit', { kind: 'command', name: 'quit' }],
    ['/stats please', { kind: 'command', name: 'stats' }],
    ['/nope', { kind: 'unknown', name: 'nope' }],
    ['//not a command', { kind: 'chat', text: '/not a command' }],
    ['/block', { kind: 'command', name: 'block' }],
    ['/report  Spam and Insults ', { kind: 'command', name: 'report', arg: 'Spam and Insults' }],
    ['/report', { kind: 'command', name: 'report' }],
  ])('%j → %j', (value, expected) => {
    expect(parseInput(value)).toEqual(expected);
  });
});

describe('slash completion and hints', () => {
  it.each([
    ['/n', '/next'],
    ['/rec', '/reconnect'],
    ['/re', '/re'],
    ['/rep', '/report'],
    ['/b', '/block'],
    ['/q', '/quit'],
    ['/', '/'],
    ['/zz', '/zz'],
    ['hello', 'hello'],
  ])('Tab on %j → %j', (value, expected) => {
    expect(completeSlash(value)).toBe(expected);
  });

  it('lists matches while typing a command', () => {
    expect(matchingCommands('/c').map((c) => c.name)).toEqual(['clear']);
    expect(slashHint('/')).toContain('/next  /reconnect');
    expect(slashHint('/ne')).toBe('/next — skip this stranger and find a new one');
    expect(slashHint('/xyz')).toMatch(/^Unknown command/);
    expect(slashHint('hi')).toBeNull();
    expect(slashHint('//hi')).toBeNull();
  });
});

describe('editInput', () => {
  const type = (s: InputState, text: string): InputState => editInput(s, text, {}).state;
  const press = (s: InputState, key: EditKey, input = '') => editInput(s, input, key);

  it('types, moves the cursor, deletes and submits', () => {
    let s = type(emptyInput, 'helo');
    s = press(s, { leftArrow: true }).state;
    s = type(s, 'l');
    expect(s).toMatchObject({ value: 'hello', cursor: 4 });
    s = press(s, { end: true }).state;
    s = press(s, { backspace: true }).state;
    expect(s.value).toBe('hell');
    s = press(s, { delete: true }).state; // most terminals send DEL (0x7f) for Backspace
    expect(s.value).toBe('hel');
    const r = press(s, { return: true });
    expect(r.submit).toBe('hel');
    expect(r.state).toMatchObject({ value: '', cursor: 0, history: ['hel'] });
  });

  it('marks typing for printable input only', () => {
    expect(editInput(emptyInput, 'a', {}).typed).toBe(true);
    expect(editInput(emptyInput, '', { leftArrow: true }).typed).toBeFalsy();
    expect(editInput(emptyInput, 'c', { ctrl: true }).typed).toBeFalsy();
  });

  it('drops control characters and line breaks from pastes', () => {
    expect(type(emptyInput, 'a\x1b[31mb\r\nc').value).toBe('a[31mb c');
  });

  it.each([
    ['hello\r', 'hello'],
    ['hello\n', 'hello'],
    ['two\r\nlines\r\n', 'two lines'],
  ])('submits a chunk that ends with Enter (%j)', (chunk, line) => {
    const r = editInput(type(emptyInput, ''), chunk, {});
    expect(r.submit).toBe(line);
    expect(r.typed).toBe(true);
    expect(r.state.value).toBe('');
  });

  it('browses history with ↑/↓ and restores the draft', () => {
    let s = emptyInput;
    for (const line of ['one', 'two']) s = press(type(s, line), { return: true }).state;
    s = type(s, 'dra');
    s = press(s, { upArrow: true }).state;
    expect(s.value).toBe('two');
    s = press(s, { upArrow: true }).state;
    expect(s.value).toBe('one');
    s = press(s, { upArrow: true }).state;
    expect(s.value).toBe('one');
    s = press(s, { downArrow: true }).state;
    s = press(s, { downArrow: true }).state;
    expect(s).toMatchObject({ value: 'dra', historyIndex: null });
  });

  it('completes slash commands with Tab and clears with Ctrl+U', () => {
    const s = press(type(emptyInput, '/rec'), { tab: true }).state;
    expect(s).toMatchObject({ value: '/reconnect', cursor: 10 });
    expect(press(s, { ctrl: true }, 'u').state.value).toBe('');
  });
});
