/**
 * Last line of defence before anything reaches the terminal. Session events already carry
 * sanitised text; {@link safeLine} covers everything else the CLI prints (server URLs, error
 * messages, echoed input).
 */
import { sanitizeText } from '../peer/sanitize.js';

/** One terminal-safe line: escape sequences and control characters removed. */
export function safeLine(text: string): string {
  return sanitizeText(text);
}

/** Truncates to `max` characters (code points), adding an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, Math.max(0, max - 1)).join('') + '…';
}
