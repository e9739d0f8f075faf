/** The input line's editing state and key handling. Pure: `editInput(state, input, key)`. */
import { completeSlash } from './slash.js';

export interface InputState {
  value: string;
  /** Cursor position in code points. */
  cursor: number;
  /** Sent lines, oldest first. */
  history: string[];
  /** Index into history while browsing with ↑/↓, else null. */
  historyIndex: number | null;
  /** What was typed before browsing history started. */
  draft: string;
}

/** The subset of Ink's `Key` the editor looks at. */
export interface EditKey {
  return?: boolean;
  backspace?: boolean;
  delete?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  upArrow?: boolean;
  downArrow?: boolean;
  home?: boolean;
  end?: boolean;
  tab?: boolean;
  ctrl?: boolean;
  meta?: boolean;
}

export interface EditResult {
  state: InputState;
  /** Set when Enter was pressed: the line to submit. */
  submit?: string;
  /** True when the visible value changed because the user typed (for `typing()`). */
  typed?: boolean;
}

export const MAX_HISTORY = 100;
export const MAX_INPUT_CHARS = 2000;

export const emptyInput: InputState = { value: '', cursor: 0, history: [], historyIndex: null, draft: '' };

const chars = (s: string): string[] => Array.from(s);

export function editInput(state: InputState, input: string, key: EditKey): EditResult {
  // Text and Enter can arrive in one chunk (a paste ending in a newline, keys sent faster than
  // the terminal reads them): insert the text, then submit.
  if (!key.return && input.length > 1 && /[\r\n]$/.test(input)) {
    const typed = editInput(state, input.replace(/[\r\n]+$/, ''), {});
    return { ...editInput(typed.state, '', { return: true }), typed: typed.typed ?? false };
  }
  const cs = chars(state.value);
  const set = (value: string, cursor: number, typed = false): EditResult => ({
    state: { ...state, value, cursor, historyIndex: null },
    typed,
  });

  if (key.return) {
    const line = state.value;
    const history =
      line.trim() === '' || state.history.at(-1) === line
        ? state.history
        : [...state.history, line].slice(-MAX_HISTORY);
    return { state: { ...emptyInput, history }, submit: line };
  }
  if (key.tab) {
    const completed = completeSlash(state.value);
    return set(completed, chars(completed).length);
  }
  if (key.upArrow || key.downArrow) return browseHistory(state, key.upArrow ? -1 : 1);
  if (key.leftArrow) return { state: { ...state, cursor: Math.max(0, state.cursor - 1) } };
  if (key.rightArrow) return { state: { ...state, cursor: Math.min(cs.length, state.cursor + 1) } };
  if (key.home || (key.ctrl && input === 'a')) return { state: { ...state, cursor: 0 } };
  if (key.end || (key.ctrl && input === 'e')) return { state: { ...state, cursor: cs.length } };
  if (key.ctrl && input === 'u') return set(cs.slice(state.cursor).join(''), 0);
  if (key.backspace || key.delete) {
    if (state.cursor === 0) return { state };
    cs.splice(state.cursor - 1, 1);
    return set(cs.join(''), state.cursor - 1);
  }
  if (key.ctrl || key.meta || input === '') return { state };
  // Printable input (a key or a paste): drop control characters and line breaks.
  const inserted = chars(input.replace(/[\r\n\t]+/g, ' ').replace(/[\x00-\x1f\x7f-\x9f]/g, ''));
  const room = MAX_INPUT_CHARS - cs.length;
  if (inserted.length === 0 || room <= 0) return { state };
  const take = inserted.slice(0, room);
  cs.splice(state.cursor, 0, ...take);
  return set(cs.join(''), state.cursor + take.length, true);
}

function browseHistory(state: InputState, dir: -1 | 1): EditResult {
  const { history } = state;
  if (history.length === 0) return { state };
  const current = state.historyIndex;
  const draft = current === null ? state.value : state.draft;
  let index: number | null;
  if (current === null) index = dir < 0 ? history.length - 1 : null;
  else index = current + dir;
  if (index !== null && index < 0) index = 0;
  if (index !== null && index >= history.length) index = null;
  const value = index === null ? draft : (history[index] ?? '');
  return { state: { ...state, value, cursor: chars(value).length, historyIndex: index, draft } };
}
