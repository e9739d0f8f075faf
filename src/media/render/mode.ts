/** Which way to draw video: kitty graphics, or half-blocks in truecolor, 256 colours or monochrome. */
import type { ColorMode } from './color.js';
import { kittyFromEnv } from './kitty.js';

export type RenderMode = 'kitty' | ColorMode;
export type RenderModeChoice = RenderMode | 'auto';
export const RENDER_MODE_CHOICES: readonly RenderModeChoice[] = ['auto', 'kitty', 'truecolor', '256', 'mono'];

type Env = Record<string, string | undefined>;

/**
 * `auto`: mono when colour is off (NO_COLOR, FORCE_COLOR=0, `TERM=dumb`), else kitty > truecolor
 * (`COLORTERM=truecolor|24bit`) > 256. An explicit choice is kept, except that no colour means mono.
 */
export function resolveRenderMode(choice: RenderModeChoice, env: Env, color = true): RenderMode {
  if (!color || (env.NO_COLOR ?? '') !== '' || env.TERM === 'dumb') return 'mono';
  if (choice !== 'auto') return choice;
  if (kittyFromEnv(env)) return 'kitty';
  const colorterm = (env.COLORTERM ?? '').toLowerCase();
  if (colorterm === 'truecolor' || colorterm === '24bit') return 'truecolor';
  return '256';
}

/** The half-block colour mode for a render mode (kitty falls back to truecolor for text overlays). */
export function colorModeOf(mode: RenderMode): ColorMode {
  return mode === 'kitty' ? 'truecolor' : mode;
}
