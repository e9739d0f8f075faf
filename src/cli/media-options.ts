/**
 * Media flags of `randchat [chat]` and `randchat demo` (--video, --audio, --codec, --no-audio-out,
 * --ffmpeg, --record, --snapshot) and how they become the Session's MediaOptions.
 *
 * Defaults: the interactive UI sends the camera and the microphone (and says so plainly when there
 * is no camera: nothing is sent in its place) and plays the stranger's audio; `--json` (bots, CI)
 * is text-only unless a media flag is given, and never plays audio. See {@link resolveMediaFlags}.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { VideoCodec } from '../media/ffmpeg/args-send.js';
import {
  MediaArgError,
  parseAudioSource,
  parseVideoSource,
  type AudioSource,
  type VideoSource,
} from '../media/ffmpeg/sources.js';
import type { DevicePresence } from '../media/ffmpeg/devices.js';
import type { MediaOptions } from '../media/pipeline/media-types.js';

export interface MediaFlags {
  video?: VideoSource;
  audio?: AudioSource;
  codec?: VideoCodec;
  /** commander's `--no-audio-out`: false when given. */
  audioOut?: boolean;
  ffmpeg?: string;
  record?: string;
  snapshot?: string;
}

const wrap =
  <T>(parse: (v: string) => T) =>
  (value: string): T => {
    try {
      return parse(value);
    } catch (err) {
      if (err instanceof MediaArgError) throw new InvalidArgumentError(err.message);
      throw err;
    }
  };

export function addChatMediaOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--video <source>',
        'what to send: webcam[:DEVICE], test (or test:LAVFI), file:PATH, none (UI default: the webcam if there is one; --json: none)',
      ).argParser(wrap(parseVideoSource)),
    )
    .addOption(
      new Option(
        '--audio <source>',
        'what to send: mic[:DEVICE], tone[:HZ], file:PATH, none (UI default: the microphone if there is one; --json: none)',
      ).argParser(wrap(parseAudioSource)),
    )
    .addOption(new Option('--codec <codec>', 'video codec to prefer').choices(['vp8', 'h264']).default('vp8'))
    .option('--no-audio-out', "do not play the stranger's audio (bots; --json never plays it)")
    .addOption(new Option('--ffmpeg <path>', 'use this ffmpeg binary (env: RANDCHAT_FFMPEG)'))
    .option(
      '--record <dir>',
      "save the stranger's video and audio of each match here as WebM (they are told)",
    )
    .option('--snapshot <path>', "write one frame of the stranger's video as PNG");
}

export interface MediaEnvironment {
  json: boolean;
  env: NodeJS.ProcessEnv;
  /** Whether a camera and a microphone exist (asked only for the UI defaults). */
  devices(): Promise<DevicePresence>;
}

export const NO_CAMERA_NOTICE =
  'No camera found: your video is off (try --video test, or --video webcam:DEVICE; see randchat devices).';
export const NO_MICROPHONE_NOTICE =
  'No microphone found: your audio is off (try --audio mic:DEVICE; see randchat devices).';

/**
 * What to send, decided from the flags and (for the UI defaults) the devices found. Pure.
 * A flag is always taken as given; the UI default is the camera / microphone only when one exists,
 * else nothing is sent for that medium and a notice says so (never a substitute); `--json`
 * defaults to none. `devices` is null when it was not looked up (no default needed it).
 */
export function decideSources(
  flags: Pick<MediaFlags, 'video' | 'audio'>,
  ctx: { json: boolean; devices: DevicePresence | null },
): { video: VideoSource; audio: AudioSource; notice: string[] } {
  const notice: string[] = [];
  const none = { kind: 'none' as const };
  let video: VideoSource = flags.video ?? (ctx.json ? none : { kind: 'webcam' });
  let audio: AudioSource = flags.audio ?? (ctx.json ? none : { kind: 'mic' });
  if (!flags.video && video.kind === 'webcam' && ctx.devices?.camera !== true) {
    notice.push(NO_CAMERA_NOTICE);
    video = none;
  }
  if (!flags.audio && audio.kind === 'mic' && ctx.devices?.microphone !== true) {
    notice.push(NO_MICROPHONE_NOTICE);
    audio = none;
  }
  return { video, audio, notice };
}

/** Whether the UI defaults need a device check (a default of webcam or mic). */
export function needsDeviceCheck(flags: Pick<MediaFlags, 'video' | 'audio'>, json: boolean): boolean {
  return !json && (!flags.video || !flags.audio);
}

/**
 * The Session's media options, plus notices for the user. Text-only (undefined) when nothing is
 * sent, nothing received is shown, nothing is recorded: `--json` with no media flags.
 */
export async function resolveMediaFlags(
  flags: MediaFlags,
  ctx: MediaEnvironment,
): Promise<{ media: MediaOptions | undefined; notice: string[] }> {
  const devices = needsDeviceCheck(flags, ctx.json) ? await ctx.devices() : null;
  const { video, audio, notice } = decideSources(flags, { json: ctx.json, devices });
  const wantsMedia =
    !ctx.json || flags.video !== undefined || flags.audio !== undefined || !!flags.record || !!flags.snapshot;
  if (!wantsMedia) return { media: undefined, notice };
  const media: MediaOptions = {
    video,
    audio,
    codec: flags.codec ?? 'vp8',
    // --json never plays sound; the UI plays unless --no-audio-out.
    audioOut: !ctx.json && flags.audioOut !== false,
    env: ctx.env,
    ...(flags.ffmpeg ? { ffmpegPath: flags.ffmpeg } : {}),
    ...(flags.record ? { recordDir: flags.record } : {}),
    ...(flags.snapshot ? { snapshotPath: flags.snapshot } : {}),
  };
  return { media, notice };
}

/** Whether this machine has a camera and a microphone (cheap: see ../media/ffmpeg/devices.ts). */
export async function findDevices(
  ffmpegFlag: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<DevicePresence> {
  try {
    const { probeDevices, currentPlatform } = await import('../media/ffmpeg/devices.js');
    let ffmpegPath: string | undefined;
    if (currentPlatform() !== 'linux') {
      // macOS and Windows list devices through ffmpeg.
      const { resolveFfmpeg } = await import('../media/ffmpeg/resolve.js');
      const r = await resolveFfmpeg({ flag: ffmpegFlag, env });
      ffmpegPath = r.ok ? r.path : undefined;
    }
    return await probeDevices({ ffmpegPath, env });
  } catch {
    return { camera: false, microphone: false };
  }
}
