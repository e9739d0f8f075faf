import { describe, expect, it } from 'vitest';
import { MAX_COMBINING_MARKS, sanitizeText } from '../../src/peer/sanitize.js';

const ESC = '\u001b';
const BEL = '\u0007';
const ST = `${ESC}\\`;

const hostile: [string, string, string][] = [
  // escape sequence families
  ['CSI colour', `${ESC}[31mred${ESC}[0m`, 'red'],
  ['CSI clear screen + home', `${ESC}[2J${ESC}[Hhi`, 'hi'],
  ['CSI private mode (hide cursor)', `a${ESC}[?25lb`, 'ab'],
  ['CSI with intermediate byte', `a${ESC}[0 qb`, 'ab'],
  ['8-bit CSI', 'a\u009b31mb', 'ab'],
  ['OSC title with BEL', `${ESC}]0;pwned${BEL}ok`, 'ok'],
  ['OSC hyperlink with ST', `${ESC}]8;;https://evil.example${ST}click${ESC}]8;;${ST}`, 'click'],
  ['OSC 52 clipboard write', `${ESC}]52;c;cm0gLXJmIH4=${BEL}x`, 'x'],
  ['8-bit OSC with 8-bit ST', 'a\u009d0;title\u009cb', 'ab'],
  ['DCS', `a${ESC}P1$r0m${ST}b`, 'ab'],
  ['SOS', `a${ESC}Xsecret${ST}b`, 'ab'],
  ['PM', `a${ESC}^secret${ST}b`, 'ab'],
  ['APC', `a${ESC}_secret${ST}b`, 'ab'],
  ['8-bit DCS', 'a\u0090payload\u009cb', 'ab'],
  ['two-char ESC (reset terminal)', `a${ESC}cb`, 'ab'],
  ['two-char ESC (save cursor)', `a${ESC}7b`, 'ab'],
  ['nF charset designation', `a${ESC}(0b`, 'ab'],
  ['unterminated OSC leaves inert text', `a${ESC}]0;x`, 'a0;x'],
  ['lone ESC at end', `a${ESC}`, 'a'],
  // controls
  ['C0 controls', 'a\u0000\u0001\u0007\u0008b', 'ab'],
  ['carriage return overwrite', 'safe\rEVIL', 'safe EVIL'],
  ['newline and tab become spaces', 'a\nb\tc', 'a b c'],
  ['DEL', 'a\u007fb', 'ab'],
  ['C1 controls (NEL, IND, RI)', 'a\u0085\u0084\u008db', 'ab'],
  ['line/paragraph separators', 'a\u2028b\u2029c', 'a b c'],
  // bidi and invisible characters
  ['RLO filename trick', 'invoice\u202Egpj.exe', 'invoicegpj.exe'],
  ['bidi embeddings and pop', '\u202Aa\u202Bb\u202Cc\u202Dd', 'abcd'],
  ['bidi isolates', '\u2066a\u2067b\u2068c\u2069', 'abc'],
  ['LRM RLM ALM', 'a\u200Eb\u200Fc\u061Cd', 'abcd'],
  ['zero-width space/joiners', 'p\u200Ba\u200Cy\u200Dp\u2060a\u2061l\u2062\u2063\u2064', 'paypal'],
  ['BOM', '\uFEFFhi', 'hi'],
  ['interlinear annotation', 'a\uFFF9b\uFFFAc\uFFFBd', 'abcd'],
  ['tag characters', 'a\u{E0001}\u{E0068}\u{E0069}\u{E007F}b', 'ab'],
  ['lone high surrogate', 'a\uD800b', 'ab'],
  ['lone low surrogate', 'a\uDC00b', 'ab'],
  ['only controls', `${ESC}[2J\u0000\u202E`, ''],
  ['surrounding whitespace trimmed', '  hi \n', 'hi'],
];

const harmless: [string, string][] = [
  ['ASCII', 'Hello, world! (1 + 2 = 3) ~ [ok] {yes} <no>'],
  ['accents', 'Ça va? Ñandú, Ångström, façade, naïve'],
  ['decomposed accents', 'e\u0301a\u0300'],
  ['CJK', '你好，世界。こんにちは。안녕하세요'],
  ['RTL letters', 'שלום مرحبا'],
  ['emoji', '😀 🎉 👍🏽 ❤️ 1️⃣ 🇫🇷'],
  ['Devanagari with matras', 'नमस्ते'],
  ['Vietnamese stacked marks', 'Tiếng Việt'],
  ['math symbols', '∀x ∈ ℝ: x² ≥ 0'],
];

describe('sanitizeText', () => {
  it.each(hostile)('neutralises %s', (_name, input, expected) => {
    const out = sanitizeText(input);
    expect(out).toBe(expected);
    expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it.each(harmless)('keeps %s', (_name, input) => {
    expect(sanitizeText(input)).toBe(input);
  });

  it(`caps combining marks at ${MAX_COMBINING_MARKS} per character (zalgo)`, () => {
    const marks = '\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308\u0309';
    const out = sanitizeText(`Z${marks}a${marks.repeat(20)}l`);
    expect(out).toBe(`Z${marks.slice(0, MAX_COMBINING_MARKS)}a${marks.slice(0, MAX_COMBINING_MARKS)}l`);
  });

  it('caps marks that only become adjacent once invisible characters are removed', () => {
    const four = '\u0300\u0301\u0302\u0303';
    expect(sanitizeText(`a${four}\u200B${four}`)).toBe(`a${four}`);
  });

  it('splits ZWJ emoji sequences into their parts (documented loss)', () => {
    expect(sanitizeText('👨\u200D👩\u200D👧')).toBe('👨👩👧');
  });

  it('is idempotent', () => {
    for (const [, input] of [...hostile.map(([n, i]) => [n, i] as const), ...harmless]) {
      const once = sanitizeText(input);
      expect(sanitizeText(once)).toBe(once);
    }
  });
});
