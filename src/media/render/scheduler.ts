/**
 * Frame budget. A frame is drawn only if the terminal has taken the previous one: while a write is
 * still buffered (`write()` returned false and 'drain' has not fired, or the stream says it needs a
 * drain because of someone else's write) new frames are skipped — never queued, so video never lags
 * behind. An optional minimum interval (injected clock) caps the frame rate.
 */

export interface DrainableStream {
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
  readonly writableNeedDrain?: boolean;
}

export type OfferResult = 'written' | 'empty' | 'skipped-busy' | 'skipped-rate';

export interface WriteGateOptions {
  now?: () => number;
  /** Skip frames that arrive sooner than this after the last write (default 0: no cap). */
  minIntervalMs?: number;
  /** Called once the stream has drained after a write that filled it. */
  onDrain?: () => void;
}

export interface WriteGateStats {
  written: number;
  skipped: number;
  bytes: number;
}

export class WriteGate {
  readonly #stream: DrainableStream;
  readonly #now: () => number;
  readonly #minIntervalMs: number;
  readonly #onDrain: (() => void) | undefined;
  #waiting = false;
  #lastWriteAt = Number.NEGATIVE_INFINITY;
  readonly stats: WriteGateStats = { written: 0, skipped: 0, bytes: 0 };

  constructor(stream: DrainableStream, opts: WriteGateOptions = {}) {
    this.#stream = stream;
    this.#now = opts.now ?? Date.now;
    this.#minIntervalMs = opts.minIntervalMs ?? 0;
    this.#onDrain = opts.onDrain;
  }

  /** True while the previous write (ours or another writer's) is still draining. */
  get busy(): boolean {
    return this.#waiting || this.#stream.writableNeedDrain === true;
  }

  /**
   * Draws a frame if there is room: `produce` renders it (and is not even called when the frame is
   * skipped, so skipped frames cost nothing). `force` ignores the rate cap (state changes).
   */
  offer(produce: () => string, force = false): OfferResult {
    if (this.busy) {
      this.#waitForDrain();
      this.stats.skipped++;
      return 'skipped-busy';
    }
    const now = this.#now();
    if (!force && now - this.#lastWriteAt < this.#minIntervalMs) {
      this.stats.skipped++;
      return 'skipped-rate';
    }
    const chunk = produce();
    if (chunk === '') return 'empty';
    this.#lastWriteAt = now;
    this.stats.written++;
    this.stats.bytes += Buffer.byteLength(chunk);
    if (!this.#stream.write(chunk)) this.#waitForDrain();
    return 'written';
  }

  #waitForDrain(): void {
    if (this.#waiting) return;
    this.#waiting = true;
    this.#stream.once('drain', () => {
      this.#waiting = false;
      this.#onDrain?.();
    });
  }
}
