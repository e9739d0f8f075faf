/**
 * Media commands of the chat UI (/video, /mute, /self). The session's `setVideo` / `setMuted` are
 * called only if the session has them (older sessions and test fakes may not); the video pane is
 * optional too (no pane when the UI runs without video).
 */

/** What the UI can ask of the video pane (src/cli/ui/video-pane.ts implements it). */
export interface VideoControls {
  /** Show or hide the pane (Ink gets the rows back when hidden). */
  setVisible(on: boolean): void;
  /** Show or hide the self-view corner; returns the new state. */
  toggleSelfView(): boolean;
  /** Overlay text on the pane (e.g. "Stranger paused video"), or null. */
  setPaused(text: string | null): void;
}

interface OptionalMediaCommands {
  setVideo?: unknown;
  setMuted?: unknown;
  setSelfView?: unknown;
}

/** Calls `session[name](arg)` if it is a function; false when the session has no such command. */
export function callMediaCommand(
  session: object,
  name: keyof OptionalMediaCommands,
  arg: boolean,
  onError: (err: unknown) => void,
): boolean {
  const fn = (session as OptionalMediaCommands)[name];
  if (typeof fn !== 'function') return false;
  try {
    const result: unknown = fn.call(session, arg);
    if (result instanceof Promise) result.catch(onError);
  } catch (err) {
    onError(err);
  }
  return true;
}

/** `/video on|off` argument → boolean, or null when missing or not understood. */
export function parseOnOff(arg: string | undefined): boolean | null {
  if (arg === 'on' || arg === 'yes' || arg === '1') return true;
  if (arg === 'off' || arg === 'no' || arg === '0') return false;
  return null;
}
