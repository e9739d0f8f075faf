/**
 * Makes untrusted (stranger) text safe to print on a terminal.
 *
 * Removed: complete escape sequences (7-bit and 8-bit CSI, OSC, DCS/SOS/PM/APC strings, two-character
 * ESC sequences), then every remaining C0 control, DEL and C1 control; every Unicode format character
 * (`\p{Cf}`: bidi embeddings/overrides/isolates/marks U+202A–U+202E, U+2066–U+2069, U+200E/U+200F,
 * U+061C; zero-width U+200B–U+200D, U+2060–U+2064, U+FEFF; interlinear annotations U+FFF9–U+FFFB;
 * tag characters U+E0000–U+E007F; soft hyphen); lone surrogates.
 * Replaced by a space: tab, CR, LF, VT, FF, U+2028/U+2029 (the result is one line).
 * Capped: at most {@link MAX_COMBINING_MARKS} combining marks after a character ("zalgo").
 * The result is trimmed.
 *
 * Ordinary Unicode (accents, CJK, RTL letters, emoji with variation selectors and skin tones) survives.
 * Known loss: ZWJ emoji sequences fall apart into their parts (👨‍👩‍👧 → 👨👩👧) and tag-sequence flags
 * (🏴 England) lose their tags, because ZWJ and tags are also used for spoofing.
 */

export const MAX_COMBINING_MARKS = 4;

const ESC_SEQUENCES = new RegExp(
  [
    // CSI: ESC [ or 0x9B, parameter bytes, intermediate bytes, final byte
    '(?:\\x1b\\[|\\x9b)[\\x30-\\x3f]*[\\x20-\\x2f]*[\\x40-\\x7e]',
    // OSC: ESC ] or 0x9D … terminated by BEL or ST (ESC \ or 0x9C)
    '(?:\\x1b\\]|\\x9d)[^\\x07\\x1b\\x9c]*(?:\\x07|\\x1b\\\\|\\x9c)',
    // DCS, SOS, PM, APC: ESC P/X/^/_ or 0x90/0x98/0x9E/0x9F … terminated by ST
    '(?:\\x1b[PX^_]|[\\x90\\x98\\x9e\\x9f])[^\\x1b\\x9c]*(?:\\x1b\\\\|\\x9c)',
    // two-character (and nF with intermediates) ESC sequences: ESC ( B, ESC 7, ESC c, …
    '\\x1b[\\x20-\\x2f]*[\\x30-\\x7e]',
  ].join('|'),
  'g',
);
const LINE_BREAKS = /[\t\n\v\f\r\u2028\u2029]/g;
const CONTROLS = /[\x00-\x1f\x7f-\x9f]/g;
const FORMAT_AND_SURROGATES = /[\p{Cf}\p{Cs}]/gu;
const ZALGO = new RegExp(`(\\p{M}{${MAX_COMBINING_MARKS}})\\p{M}+`, 'gu');

export function sanitizeText(s: string): string {
  return s
    .replace(ESC_SEQUENCES, '')
    .replace(LINE_BREAKS, ' ')
    .replace(CONTROLS, '')
    .replace(FORMAT_AND_SURROGATES, '')
    .replace(ZALGO, '$1')
    .trim();
}
