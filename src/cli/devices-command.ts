/**
 * `randchat devices`: cameras and microphones this machine has, with the id to use in a source
 * spec (`webcam:ID`, `mic:ID`). `--json` prints one JSON object. Exit 0 even when none are found
 * (the listing says why); 1 only for an unexpected error.
 */
import { ExitCodes, type ExitCode } from '../errors.js';
import type { MediaDevice } from '../media/ffmpeg/device-parsers.js';
import type { DeviceListing } from '../media/ffmpeg/devices.js';
import type { CliDeps } from './deps.js';

export interface DevicesFlags {
  ffmpeg?: string;
  json?: boolean;
}

/** Pure: the human-readable listing. */
export function formatDeviceListing(l: DeviceListing, ffmpeg: { path?: string; problem?: string }): string {
  const lines: string[] = [];
  if (ffmpeg.problem) lines.push(ffmpeg.problem, '');
  lines.push(...section('cameras', 'webcam', l.video), '', ...section('microphones', 'mic', l.audio));
  if (l.notes.length > 0) lines.push('', 'notes:', ...l.notes.map((n) => `  ${n}`));
  return lines.join('\n') + '\n';
}

function section(title: string, prefix: string, devices: readonly MediaDevice[]): string[] {
  if (devices.length === 0) return [`${title}: none found`];
  const width = Math.max(...devices.map((d) => prefix.length + 1 + d.id.length));
  return [
    `${title}:`,
    ...devices.map((d) => {
      const spec = `${prefix}:${d.id}`.padEnd(width);
      const name = d.name === d.id ? '' : `  ${d.name}`;
      return `  ${spec}${name}${d.detail ? `  (${d.detail})` : ''}`.trimEnd();
    }),
  ];
}

export async function runDevices(flags: DevicesFlags, deps: CliDeps): Promise<ExitCode> {
  const { resolveFfmpeg } = await import('../media/ffmpeg/resolve.js');
  const { listDevices, currentPlatform } = await import('../media/ffmpeg/devices.js');
  try {
    const platform = currentPlatform();
    const r = await resolveFfmpeg({ flag: flags.ffmpeg, env: deps.env, platform });
    const listing = await listDevices({ ffmpegPath: r.ok ? r.path : undefined, platform, env: deps.env });
    if (flags.json) {
      deps.writeOut(JSON.stringify({ ...listing, ffmpeg: r.ok ? r.path : null }) + '\n');
    } else {
      deps.writeOut(formatDeviceListing(listing, r.ok ? { path: r.path } : { problem: r.message }));
    }
    return ExitCodes.OK;
  } catch (err) {
    deps.writeErr(`randchat devices: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCodes.FAILURE;
  }
}
