/**
 * The kitty graphics protocol path: each frame is transmitted as raw RGB (`f=24`), base64 in chunks
 * of at most 4096 bytes (`m=1` … `m=0`), and displayed at the pane with a fixed image id, so every
 * frame replaces the previous one. `q=2` keeps the terminal from answering (answers would arrive on
 * stdin as if typed). Detection is by environment, plus an optional query with a timeout.
 */
import type { RgbFrame } from './frame.js';
import { fitFrame, type CellRect } from './grid.js';
import { CURSOR_RESTORE, CURSOR_SAVE, SYNC_END, SYNC_START } from './renderer.js';

export const KITTY_CHUNK_BYTES = 4096;
/** Image ids used by the video pane: the stranger's picture and the self-view. */
export const KITTY_REMOTE_ID = 7301;
export const KITTY_SELF_ID = 7302;

const APC = '\x1b_G';
const ST = '\x1b\\';

/** `APC G <control>;<payload> ST` commands carrying `base64` in chunks of ≤ `chunkBytes`. */
export function kittyChunks(control: string, base64: string, chunkBytes = KITTY_CHUNK_BYTES): string[] {
  // Every chunk but the last must be a multiple of 4 bytes of base64.
  const size = Math.max(4, chunkBytes - (chunkBytes % 4));
  const out: string[] = [];
  for (let at = 0; at < base64.length || at === 0; at += size) {
    const chunk = base64.slice(at, at + size);
    const more = at + size < base64.length ? 1 : 0;
    out.push(`${APC}${at === 0 ? `${control},` : ''}m=${more};${chunk}${ST}`);
  }
  return out;
}

/** Cell rectangle a frame occupies inside `rect` once fitted (aspect kept, centred). */
export function kittyPlacement(frame: Pick<RgbFrame, 'width' | 'height'>, rect: CellRect): CellRect {
  const fit = fitFrame(frame.width, frame.height, rect.cols, rect.rows);
  return {
    col: rect.col + fit.x,
    row: rect.row + fit.y / 2,
    cols: Math.max(1, fit.width),
    rows: Math.max(1, Math.ceil(fit.height / 2)),
  };
}

/**
 * One complete write showing `frame` in `rect` (0-based screen cells) as image `id`, replacing
 * what that id showed before. The cursor and attributes come back untouched (`C=1`, save/restore).
 */
export function encodeKittyFrame(frame: RgbFrame, rect: CellRect, id: number, zIndex = 0): string {
  const place = kittyPlacement(frame, rect);
  const bytes = frame.width * frame.height * 3;
  const control =
    `a=T,f=24,s=${frame.width},v=${frame.height},i=${id},p=1,` +
    `c=${place.cols},r=${place.rows},z=${zIndex},C=1,q=2`;
  const data = frame.data.subarray(0, bytes).toString('base64');
  return (
    SYNC_START +
    CURSOR_SAVE +
    `\x1b[${place.row + 1};${place.col + 1}H` +
    kittyChunks(control, data).join('') +
    CURSOR_RESTORE +
    SYNC_END
  );
}

/** Deletes image `id` and its data. */
export function kittyDelete(id: number): string {
  return `${APC}a=d,d=I,i=${id},q=2${ST}`;
}

type Env = Record<string, string | undefined>;

/**
 * Terminals known to speak the kitty graphics protocol, by environment. Never inside tmux or screen
 * (they do not pass the images through, whatever the outer terminal is).
 */
export function kittyFromEnv(env: Env): boolean {
  const term = env.TERM ?? '';
  if (env.TMUX || term.startsWith('screen') || term.startsWith('tmux')) return false;
  if (term === 'xterm-kitty' || term === 'xterm-ghostty' || (env.KITTY_WINDOW_ID ?? '') !== '') return true;
  const program = (env.TERM_PROGRAM ?? '').toLowerCase();
  return program === 'wezterm' || program === 'ghostty';
}

/** A 1×1 query image; a supporting terminal answers `ESC _G i=31;OK ESC \`. */
export const KITTY_QUERY = `${APC}i=31,s=1,v=1,a=q,t=d,f=24;AAAA${ST}`;
/** Primary device attributes: every terminal answers it, so a lone DA1 answer means "no". */
export const DA1_QUERY = '\x1b[c';

/** true = supported, false = not (error reply, or DA1 answered first), null = wait for more input. */
export function parseKittyReply(input: string): boolean | null {
  const reply = /\x1b_Gi=31;([^\x1b]*)\x1b\\/.exec(input);
  if (reply) return reply[1] === 'OK';
  if (/\x1b\[\?[\d;]*c/.test(input)) return false;
  return null;
}

export interface KittyQueryIo {
  /** A stream already in raw mode (the caller owns it; only a 'data' listener is added). */
  input: {
    on(ev: 'data', cb: (d: Buffer | string) => void): unknown;
    off(ev: 'data', cb: (d: Buffer | string) => void): unknown;
  };
  output: { write(s: string): boolean };
  timeoutMs?: number;
  setTimer?: (cb: () => void, ms: number) => () => void;
}

/** Asks the terminal; resolves false on a negative answer or after `timeoutMs` (default 200). */
export function queryKittyGraphics(io: KittyQueryIo): Promise<boolean> {
  const setTimer =
    io.setTimer ??
    ((cb: () => void, ms: number) => {
      const t = setTimeout(cb, ms);
      return () => clearTimeout(t);
    });
  return new Promise((resolve) => {
    let buf = '';
    const done = (ok: boolean): void => {
      io.input.off('data', onData);
      cancel();
      resolve(ok);
    };
    const onData = (d: Buffer | string): void => {
      buf += d.toString();
      const answer = parseKittyReply(buf);
      if (answer !== null) done(answer);
    };
    io.input.on('data', onData);
    const cancel = setTimer(() => done(false), io.timeoutMs ?? 200);
    io.output.write(KITTY_QUERY + DA1_QUERY);
  });
}
