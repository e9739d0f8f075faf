/**
 * Media sources (what the user picks with `--video` / `--audio`) and the ffmpeg input arguments
 * for each, per platform. Pure: no I/O, no process.platform (the platform is a parameter).
 */

export type MediaPlatform = 'linux' | 'darwin' | 'win32';

export type VideoSource =
  /** A camera; `device` is platform-specific (`/dev/video2`, `"1"`, `"USB Camera"`). */
  | { kind: 'webcam'; device?: string }
  /** A lavfi test pattern; `lavfi` is the full filter expression (default: testsrc2 at size/fps). */
  | { kind: 'test'; lavfi?: string }
  /** A file, played in real time and looped. */
  | { kind: 'file'; path: string }
  | { kind: 'none' };

export type AudioSource =
  /** A microphone; linux `backend` pulse (default) or alsa; `device` is platform-specific. */
  | { kind: 'mic'; device?: string; backend?: 'pulse' | 'alsa' }
  /** A sine tone (lavfi). */
  | { kind: 'tone'; frequency?: number }
  /** A file's first audio stream, played in real time and looped. */
  | { kind: 'file'; path: string }
  | { kind: 'none' };

/** A source spec that cannot be parsed or used on this platform. */
export class MediaArgError extends Error {
  readonly code = 'ERR_BAD_MEDIA_SOURCE';
  constructor(message: string) {
    super(message);
    this.name = 'MediaArgError';
  }
}

/** Parses `webcam[:DEVICE]`, `test`, `file:PATH`, `none`. */
export function parseVideoSource(spec: string): VideoSource {
  const [head, rest] = splitSpec(spec);
  switch (head) {
    case 'webcam':
    case 'camera':
      return rest ? { kind: 'webcam', device: rest } : { kind: 'webcam' };
    case 'test':
      return rest ? { kind: 'test', lavfi: rest } : { kind: 'test' };
    case 'file':
      if (!rest) throw new MediaArgError('file: needs a path, e.g. file:clip.webm');
      return { kind: 'file', path: rest };
    case 'none':
    case 'off':
      return { kind: 'none' };
    default:
      throw new MediaArgError(`unknown video source "${spec}" (webcam[:DEVICE], test, file:PATH, none)`);
  }
}

/** Parses `mic[:DEVICE]` (linux: `mic:alsa:hw:1`, `mic:pulse:NAME`), `tone[:HZ]`, `file:PATH`, `none`. */
export function parseAudioSource(spec: string): AudioSource {
  const [head, rest] = splitSpec(spec);
  switch (head) {
    case 'mic': {
      if (!rest) return { kind: 'mic' };
      const [backend, device] = splitSpec(rest);
      if (backend === 'pulse' || backend === 'alsa')
        return device ? { kind: 'mic', backend, device } : { kind: 'mic', backend };
      return { kind: 'mic', device: rest };
    }
    case 'tone': {
      if (!rest) return { kind: 'tone' };
      const frequency = Number(rest);
      if (!Number.isFinite(frequency) || frequency <= 0 || frequency > 24_000)
        throw new MediaArgError(`tone frequency must be 1..24000 Hz, got "${rest}"`);
      return { kind: 'tone', frequency };
    }
    case 'file':
      if (!rest) throw new MediaArgError('file: needs a path, e.g. file:song.ogg');
      return { kind: 'file', path: rest };
    case 'none':
    case 'off':
      return { kind: 'none' };
    default:
      throw new MediaArgError(`unknown audio source "${spec}" (mic[:DEVICE], tone[:HZ], file:PATH, none)`);
  }
}

/** The default test pattern: a moving colour pattern with a timestamp. */
export function defaultTestPattern(width: number, height: number, fps: number): string {
  return `testsrc2=size=${width}x${height}:rate=${fps}`;
}

export interface InputContext {
  platform: MediaPlatform;
  width: number;
  height: number;
  fps: number;
}

/** ffmpeg input arguments (everything up to and including `-i X`) for a video source. */
export function videoInputArgs(source: VideoSource, ctx: InputContext): string[] {
  switch (source.kind) {
    case 'none':
      return [];
    case 'test':
      return ['-re', '-f', 'lavfi', '-i', source.lavfi ?? defaultTestPattern(ctx.width, ctx.height, ctx.fps)];
    case 'file':
      return ['-re', '-stream_loop', '-1', '-i', source.path];
    case 'webcam':
      switch (ctx.platform) {
        case 'linux':
          return ['-f', 'v4l2', '-framerate', String(ctx.fps), '-i', source.device ?? '/dev/video0'];
        case 'darwin':
          // "VIDEO:AUDIO" device indices or names; audio comes from its own input.
          return ['-f', 'avfoundation', '-framerate', String(ctx.fps), '-i', `${source.device ?? '0'}:none`];
        case 'win32':
          if (!source.device)
            throw new MediaArgError('on Windows name the camera: webcam:NAME (see `randchat devices`)');
          return ['-f', 'dshow', '-framerate', String(ctx.fps), '-i', `video=${source.device}`];
      }
  }
}

/** ffmpeg input arguments for an audio source. */
export function audioInputArgs(source: AudioSource, platform: MediaPlatform): string[] {
  switch (source.kind) {
    case 'none':
      return [];
    case 'tone':
      return ['-re', '-f', 'lavfi', '-i', `sine=frequency=${source.frequency ?? 440}:sample_rate=48000`];
    case 'file':
      return ['-re', '-stream_loop', '-1', '-i', source.path];
    case 'mic':
      switch (platform) {
        case 'linux':
          return ['-f', source.backend ?? 'pulse', '-i', source.device ?? 'default'];
        case 'darwin':
          return ['-f', 'avfoundation', '-i', `:${source.device ?? '0'}`];
        case 'win32':
          if (!source.device)
            throw new MediaArgError('on Windows name the microphone: mic:NAME (see `randchat devices`)');
          return ['-f', 'dshow', '-i', `audio=${source.device}`];
      }
  }
}

/** `kind:rest` → [kind, rest]; only the first colon splits (paths and device names keep theirs). */
function splitSpec(spec: string): [string, string] {
  const i = spec.indexOf(':');
  return i < 0 ? [spec.trim().toLowerCase(), ''] : [spec.slice(0, i).trim().toLowerCase(), spec.slice(i + 1)];
}
