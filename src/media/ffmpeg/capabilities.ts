/**
 * What an ffmpeg build can do, parsed from `ffmpeg -hide_banner -encoders | -decoders | -devices`.
 * The parsers are pure (tested against captured outputs); {@link probeFfmpeg} in ./resolve.ts runs them.
 */

export interface CodecEntry {
  name: string;
  kind: 'video' | 'audio' | 'subtitle' | 'data' | 'attachment' | 'unknown';
  description: string;
}

export interface DeviceEntry {
  /** Every alias, e.g. `['video4linux2', 'v4l2']`. */
  names: string[];
  demux: boolean;
  mux: boolean;
  description: string;
}

export interface FfmpegCapabilities {
  /** Encoders randchat cares about. */
  encoders: { libvpx: boolean; libx264: boolean; libopus: boolean };
  /** Decoders randchat cares about (native or library). */
  decoders: { vp8: boolean; h264: boolean; opus: boolean };
  /** Capture devices (ffmpeg demuxers). */
  input: {
    lavfi: boolean;
    v4l2: boolean;
    pulse: boolean;
    alsa: boolean;
    avfoundation: boolean;
    dshow: boolean;
  };
  /** Playback devices (ffmpeg muxers). */
  output: { pulse: boolean; alsa: boolean; audiotoolbox: boolean };
  /** Options that differ between builds. */
  options: {
    /** `-fps_mode` exists (5.1+); otherwise only `-vsync`. */
    fpsMode: boolean;
    /** The sdp demuxer takes `-localaddr` (5.x+), so receivers can bind 127.0.0.1 only. */
    sdpLocalAddr: boolean;
  };
  /** Everything the build listed, for `doctor --json`. */
  all: { encoders: string[]; decoders: string[]; inputDevices: string[]; outputDevices: string[] };
}

const KIND: Record<string, CodecEntry['kind']> = {
  V: 'video',
  A: 'audio',
  S: 'subtitle',
  D: 'data',
  T: 'attachment',
};

/** Parses `ffmpeg -encoders` or `-decoders` output: the rows after the `------` line. */
export function parseCodecList(text: string): CodecEntry[] {
  const out: CodecEntry[] = [];
  let inTable = false;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*-{3,}\s*$/.test(raw)) {
      inTable = true;
      continue;
    }
    if (!inTable) continue;
    const m = /^\s*([VASDT.])([A-Z.]{5})\s+(\S+)\s*(.*)$/.exec(raw);
    if (!m) continue;
    out.push({ name: m[3]!, kind: KIND[m[1]!] ?? 'unknown', description: m[4]!.trim() });
  }
  return out;
}

/** Parses `ffmpeg -devices` output: the rows after the `--` line (`DE name  description`). */
export function parseDeviceList(text: string): DeviceEntry[] {
  const out: DeviceEntry[] = [];
  let inTable = false;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*-{2,}\s*$/.test(raw)) {
      inTable = true;
      continue;
    }
    if (!inTable) continue;
    const m = /^\s?([D ])([E ])\s+(\S+)\s*(.*)$/.exec(raw);
    if (!m) continue;
    out.push({
      names: m[3]!.split(','),
      demux: m[1] === 'D',
      mux: m[2] === 'E',
      description: m[4]!.trim(),
    });
  }
  return out;
}

/** Combines the three listings into {@link FfmpegCapabilities}. */
export function capabilitiesFrom(listings: {
  encoders: string;
  decoders: string;
  devices: string;
  /** `ffmpeg -h long` (optional). */
  helpLong?: string;
  /** `ffmpeg -h demuxer=sdp` (optional). */
  sdpHelp?: string;
}): FfmpegCapabilities {
  const encoders = parseCodecList(listings.encoders);
  const decoders = parseCodecList(listings.decoders);
  const devices = parseDeviceList(listings.devices);
  const enc = new Set(encoders.map((e) => e.name));
  const dec = new Set(decoders.map((d) => d.name));
  const inputs = new Set(devices.filter((d) => d.demux).flatMap((d) => d.names));
  const outputs = new Set(devices.filter((d) => d.mux).flatMap((d) => d.names));
  return {
    encoders: { libvpx: enc.has('libvpx'), libx264: enc.has('libx264'), libopus: enc.has('libopus') },
    decoders: {
      vp8: dec.has('vp8') || dec.has('libvpx'),
      h264: dec.has('h264'),
      opus: dec.has('opus') || dec.has('libopus'),
    },
    input: {
      lavfi: inputs.has('lavfi'),
      v4l2: inputs.has('v4l2'),
      pulse: inputs.has('pulse'),
      alsa: inputs.has('alsa'),
      avfoundation: inputs.has('avfoundation'),
      dshow: inputs.has('dshow'),
    },
    output: {
      pulse: outputs.has('pulse'),
      alsa: outputs.has('alsa'),
      audiotoolbox: outputs.has('audiotoolbox'),
    },
    options: {
      fpsMode: /^-fps_mode\b/m.test(listings.helpLong ?? ''),
      sdpLocalAddr: /^\s*-localaddr\b/m.test(listings.sdpHelp ?? ''),
    },
    all: {
      encoders: [...enc].sort(),
      decoders: [...dec].sort(),
      inputDevices: [...inputs].sort(),
      outputDevices: [...outputs].sort(),
    },
  };
}

/** Parses the version out of `ffmpeg -version` (`ffmpeg version 5.1.9-0+deb12u1 Copyright …`). */
export function parseFfmpegVersion(text: string): string | undefined {
  const m = /^\s*ffmpeg version (\S+)/m.exec(text);
  return m?.[1];
}
