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
        'what to send: webcam[:DEVICE], test, file:PATH, none (UI default: the webcam if there is one; --json: none)',
      ).argParser(wrap(parseVideoSource)),
    )
    .addOption(
      new Option(
        '--audio <source>',
        'what to send: mic[:DEVICE], tone[:HZ], file:PATH, none (UI default: the microphone; --json: none)',
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
  /** Whether a camera exists (the UI default). */
  hasCamera(): Promise<boolean>;
}

/**
 * The Session's media options, plus notices for the user. Text-only (undefined) when nothing is
 * sent, nothing received is shown, nothing is recorded: `--json` with no media flags.
 */
export async function resolveMediaFlags(
  flags: MediaFlags,
  ctx: MediaEnvironment,
): Promise<{ media: MediaOptions | undefined; notice: string[] }> {
  const notice: string[] = [];
  let video = flags.video ?? (ctx.json ? { kind: 'none' as const } : { kind: 'webcam' as const });
  const audio = flags.audio ?? (ctx.json ? { kind: 'none' as const } : { kind: 'mic' as const });
  if (!flags.video && video.kind === 'webcam' && !(await ctx.hasCamera())) {
    notice.push('No camera found: your video is off (try --video test, or --video webcam:DEVICE).');
    video = { kind: 'none' };
  }
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

/** Whether this machine has a camera (listed by ../media/ffmpeg/devices.ts). */
export async function cameraExists(ffmpegFlag: string | undefined, env: NodeJS.ProcessEnv): Promise<boolean> {
  try {
    const { resolveFfmpeg } = await import('../media/ffmpeg/resolve.js');
    const { listDevices } = await import('../media/ffmpeg/devices.js');
    const r = await resolveFfmpeg({ flag: ffmpegFlag, env });
    const listing = await listDevices({ ffmpegPath: r.ok ? r.path : undefined, env });
    return listing.video.length > 0;
  } catch {
    return false;
  }
}
