/**
 * Colour policy (https://no-color.org, FORCE_COLOR): FORCE_COLOR=0/false → off; FORCE_COLOR set
 * otherwise → on; NO_COLOR non-empty → off; else on only for a terminal.
 */
export function shouldUseColor(env: Record<string, string | undefined>, isTTY: boolean): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !(force === '0' || force.toLowerCase() === 'false');
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY;
}
