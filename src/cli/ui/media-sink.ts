/**
 * Wires a session's media to the video pane (a {@link VideoSink}): the stranger's decoded frames
 * (`remote-frame`) and our own picture (`self-frame`) go to the pane, the decoder follows the
 * pane's pixel size, and the pane is cleared between strangers. The session's media commands are
 * optional (test fakes and text-only sessions may lack them).
 */
import type { PaneSize, VideoSink } from '../../media/render/frame.js';
import type { SessionLike } from '../session-like.js';
import type { VideoControls } from './media-commands.js';

export interface FrameSize {
  width: number;
  height: number;
}

/** Sent pictures are 4:3 (src/media/ffmpeg/args-send.ts). */
const ASPECT = 4 / 3;
const MIN_DECODE = { width: 32, height: 24 };

/**
 * The size to decode the stranger's video to: the largest 4:3 box inside the pane's pixels
 * (the renderer letterboxes the rest), even dimensions, never below 32×24. Null for no pane.
 */
export function decodeSizeFor(pane: PaneSize): FrameSize | null {
  if (pane.pixelWidth <= 0 || pane.pixelHeight <= 0) return null;
  const w = Math.min(pane.pixelWidth, Math.floor(pane.pixelHeight * ASPECT));
  const even = (n: number): number => Math.max(2, Math.floor(n / 2) * 2);
  return {
    width: Math.max(MIN_DECODE.width, even(w)),
    height: Math.max(MIN_DECODE.height, even(w / ASPECT)),
  };
}

type MediaSession = Pick<SessionLike, 'on' | 'setSelfView' | 'setVideoSize'>;

export interface ConnectVideoOptions {
  /** Whether the self-view corner starts shown (the session sends `self-frame` only then). */
  selfView: boolean;
}

/** Connects `session` to `sink`; returns the function that disconnects them. */
export function connectVideoSink(
  session: MediaSession,
  sink: VideoSink & Partial<Pick<VideoControls, 'setVisible'>>,
  opts: ConnectVideoOptions,
): () => void {
  const resize = (pane: PaneSize): void => {
    const size = decodeSizeFor(pane);
    if (size) session.setVideoSize?.(size);
  };
  resize(sink.paneSize);
  session.setSelfView?.(opts.selfView);
  const offs = [
    session.on('remote-frame', (f) => sink.pushRemote(f)),
    session.on('self-frame', (f) => sink.pushSelf(f)),
    // A new stranger (or none): never show the last one's picture.
    session.on('matched', () => sink.clear()),
    session.on('partner-left', () => sink.clear()),
    // No ffmpeg: the session is text-only, so give the chat its rows back (`/video on` shows it again).
    session.on('media-error', (e) => e.code === 'ERR_NO_FFMPEG' && sink.setVisible?.(false)),
    sink.onResize(resize),
  ];
  return () => {
    for (const off of offs) off();
  };
}
