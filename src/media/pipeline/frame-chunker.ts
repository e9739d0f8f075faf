/**
 * Splits a byte stream (ffmpeg's rawvideo stdout) into frames of exactly `frameBytes` bytes. Pure.
 * Each frame is a fresh buffer (safe to keep); chunk boundaries never matter.
 */
export class FrameChunker {
  #frameBytes: number;
  #pending: Buffer;
  #filled = 0;

  constructor(frameBytes: number) {
    if (!Number.isInteger(frameBytes) || frameBytes < 1) throw new RangeError(`bad frame size ${frameBytes}`);
    this.#frameBytes = frameBytes;
    this.#pending = Buffer.allocUnsafe(frameBytes);
  }

  get frameBytes(): number {
    return this.#frameBytes;
  }

  /** Bytes of an incomplete frame held back. */
  get buffered(): number {
    return this.#filled;
  }

  /** Feeds bytes; returns the frames they completed, in order. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.#frameBytes - this.#filled, chunk.length - offset);
      chunk.copy(this.#pending, this.#filled, offset, offset + take);
      this.#filled += take;
      offset += take;
      if (this.#filled === this.#frameBytes) {
        out.push(this.#pending);
        this.#pending = Buffer.allocUnsafe(this.#frameBytes);
        this.#filled = 0;
      }
    }
    return out;
  }

  /** Drops any partial frame (a new decoder process starts a new stream), optionally at a new size. */
  reset(frameBytes = this.#frameBytes): void {
    if (frameBytes !== this.#frameBytes) {
      this.#frameBytes = frameBytes;
      this.#pending = Buffer.allocUnsafe(frameBytes);
    }
    this.#filled = 0;
  }
}
