/**
 * The renderer's input and the contract between the media pipeline and the terminal UI.
 * Types only (plus two tiny helpers), so the pipeline can import it without loading any UI code.
 */

/**
 * A decoded video frame handed to the renderer.
 *
 * `data` is packed rgb24: `width * height * 3` bytes, row-major, no padding.
 * `ts` is an optional presentation timestamp in milliseconds (informational).
 */
export interface RgbFrame {
  width: number;
  height: number;
  data: Buffer;
  ts?: number;
}

/**
 * The video pane's size: `cols × rows` terminal cells, and the pixel box a decoder should scale
 * frames to fit into (keeping the aspect ratio; the renderer letterboxes whatever it gets).
 */
export interface PaneSize {
  cols: number;
  rows: number;
  pixelWidth: number;
  pixelHeight: number;
}

/** Where decoded frames go. The terminal UI implements it (src/cli/ui/video-pane.ts). */
export interface VideoSink {
  /** The stranger's picture. Dropped (never queued) while the terminal is still busy. */
  pushRemote(frame: RgbFrame): void;
  /** Our own outgoing picture, shown in a corner when the self-view is on. */
  pushSelf(frame: RgbFrame): void;
  /** Forget the pictures (e.g. the stranger left) and blank the pane. */
  clear(): void;
  /** Overlay text such as "Stranger paused video", or null to show the picture again. */
  setPaused(text: string | null): void;
  readonly paneSize: PaneSize;
  /** Called with the new size whenever the pane changes size; returns the unsubscribe function. */
  onResize(cb: (size: PaneSize) => void): () => void;
  /** Blank the pane and stop drawing. Idempotent. */
  close(): void;
}

/** Size of a rgb24 buffer for the given dimensions. */
export function rgbFrameBytes(width: number, height: number): number {
  return width * height * 3;
}

/** True if `frame.data` is large enough for its declared dimensions. */
export function isValidRgbFrame(frame: RgbFrame): boolean {
  return (
    Number.isInteger(frame.width) &&
    Number.isInteger(frame.height) &&
    frame.width > 0 &&
    frame.height > 0 &&
    frame.data.length >= rgbFrameBytes(frame.width, frame.height)
  );
}
