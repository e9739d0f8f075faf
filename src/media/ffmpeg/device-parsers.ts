/**
 * Pure parsers for the device listings of ffmpeg and the system tools `randchat devices` runs.
 * Each takes the captured text (stdout + stderr) and returns what it found; none throws.
 */

export type DeviceBackend = 'v4l2' | 'pulse' | 'alsa' | 'avfoundation' | 'dshow';

export interface MediaDevice {
  kind: 'video' | 'audio';
  /** What to write after `webcam:` / `mic:` to use this device. */
  id: string;
  /** Human name. */
  name: string;
  backend: DeviceBackend;
  /** Extra facts: formats and sizes, "screen capture", … */
  detail?: string;
}

/** `[AVFoundation indev @ 0x…] [0] FaceTime HD Camera` lines, split by the video/audio headers. */
export function parseAvfoundationDevices(text: string): MediaDevice[] {
  const out: MediaDevice[] = [];
  let kind: 'video' | 'audio' | undefined;
  for (const line of text.split(/\r?\n/)) {
    const body = stripLogPrefix(line);
    if (/AVFoundation video devices/i.test(body)) kind = 'video';
    else if (/AVFoundation audio devices/i.test(body)) kind = 'audio';
    else if (kind) {
      const m = /^\[(\d+)\]\s+(.+?)\s*$/.exec(body);
      if (!m) continue;
      const name = m[2]!;
      const screen = kind === 'video' && /^Capture screen \d+/i.test(name);
      out.push({
        kind,
        id: m[1]!,
        name,
        backend: 'avfoundation',
        ...(screen ? { detail: 'screen capture' } : {}),
      });
    }
  }
  return out;
}

/**
 * `ffmpeg -list_devices true -f dshow -i dummy`. Two layouts: ffmpeg ≤ 4.3 prints
 * "DirectShow video devices" / "DirectShow audio devices" headers and `"Name"` lines; 4.4+ prints
 * `"Name" (video)` / `"Name" (audio)` / `"Name" (audio, video)`. Alternative-name lines are skipped.
 */
export function parseDshowDevices(text: string): MediaDevice[] {
  const out: MediaDevice[] = [];
  let section: 'video' | 'audio' | undefined;
  for (const line of text.split(/\r?\n/)) {
    const body = stripLogPrefix(line);
    if (/DirectShow video devices/i.test(body)) {
      section = 'video';
      continue;
    }
    if (/DirectShow audio devices/i.test(body)) {
      section = 'audio';
      continue;
    }
    if (/^Alternative name/i.test(body)) continue;
    const m = /^"(.+)"(?:\s+\(([^)]*)\))?\s*$/.exec(body);
    if (!m) continue;
    const name = m[1]!;
    const kinds = m[2] !== undefined ? m[2].split(/\s*,\s*/) : section ? [section] : [];
    for (const k of kinds) {
      if (k === 'video' || k === 'audio') out.push({ kind: k, id: name, name, backend: 'dshow' });
    }
  }
  return out;
}

export interface V4l2Format {
  compressed: boolean;
  /** ffmpeg pixel format or codec name: `yuyv422`, `mjpeg`. */
  format: string;
  sizes: string[];
}

/** `ffmpeg -f v4l2 -list_formats all -i /dev/videoN`: `Raw : yuyv422 : YUYV 4:2:2 : 640x480 …`. */
export function parseV4l2Formats(text: string): V4l2Format[] {
  const out: V4l2Format[] = [];
  for (const line of text.split(/\r?\n/)) {
    const body = stripLogPrefix(line);
    const m = /^(Raw|Compressed)\s*:\s*(\S+)\s*:\s*(.*?)\s*:\s*(.*)$/.exec(body);
    if (!m) continue;
    out.push({
      compressed: m[1] === 'Compressed',
      format: m[2]!,
      sizes: m[4]!.split(/\s+/).filter((s) => /^\d+x\d+$/.test(s) || s.startsWith('{')),
    });
  }
  return out;
}

/** One-line summary of v4l2 formats: `yuyv422 640x480…1280x720, mjpeg 640x480…1920x1080`. */
export function summarizeV4l2Formats(formats: readonly V4l2Format[]): string {
  return formats
    .map((f) => {
      const sizes = f.sizes.filter((s) => /^\d+x\d+$/.test(s));
      if (sizes.length === 0) return f.format;
      const byArea = [...sizes].sort((a, b) => area(a) - area(b));
      return byArea.length === 1
        ? `${f.format} ${byArea[0]}`
        : `${f.format} ${byArea[0]}…${byArea[byArea.length - 1]}`;
    })
    .join(', ');
}

/**
 * `pactl list short sources`: `INDEX<TAB>NAME<TAB>DRIVER<TAB>SPEC<TAB>STATE`. Monitor sources
 * (what a sink plays) are not microphones and are left out.
 */
export function parsePactlSources(text: string): MediaDevice[] {
  const out: MediaDevice[] = [];
  for (const line of text.split(/\r?\n/)) {
    const cols = line.split('\t');
    if (cols.length < 2 || !/^\d+$/.test(cols[0]!.trim())) continue;
    const name = cols[1]!.trim();
    if (!name || name.endsWith('.monitor')) continue;
    const spec = cols[3]?.trim();
    out.push({
      kind: 'audio',
      id: `pulse:${name}`,
      name,
      backend: 'pulse',
      ...(spec ? { detail: spec } : {}),
    });
  }
  return out;
}

/** `arecord -l`: `card 0: PCH [HDA Intel PCH], device 0: ALC892 Analog [ALC892 Analog]` → `alsa:hw:0,0`. */
export function parseArecordList(text: string): MediaDevice[] {
  const out: MediaDevice[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^card (\d+): (\S+) \[(.*)\], device (\d+): (.*?) \[(.*)\]\s*$/.exec(line);
    if (!m) continue;
    out.push({
      kind: 'audio',
      id: `alsa:hw:${m[1]},${m[4]}`,
      name: `${m[3]} — ${m[6]}`,
      backend: 'alsa',
    });
  }
  return out;
}

/** Removes ffmpeg's `[name @ 0x…] ` log prefix and surrounding space. */
function stripLogPrefix(line: string): string {
  return line.replace(/^\s*\[[^\]]*@\s*(?:0x)?[0-9a-fA-F]+\]\s?/, '').trim();
}

function area(size: string): number {
  const [w, h] = size.split('x').map(Number);
  return (w ?? 0) * (h ?? 0);
}
