import { EventEmitter } from 'node:events';

/** A map of event name → listener argument tuple. */
export type EventMap = { [event: string]: unknown[] };

/**
 * EventEmitter with typed event names and arguments.
 * `class Foo extends TypedEmitter<{ ready: []; data: [Buffer] }>`.
 */
export class TypedEmitter<E extends EventMap> {
  readonly #ee = new EventEmitter({ captureRejections: false });

  constructor() {
    this.#ee.setMaxListeners(50);
  }

  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): () => void {
    this.#ee.on(event, listener as (...args: unknown[]) => void);
    return () => this.off(event, listener);
  }

  once<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): () => void {
    this.#ee.once(event, listener as (...args: unknown[]) => void);
    return () => this.off(event, listener);
  }

  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): void {
    this.#ee.off(event, listener as (...args: unknown[]) => void);
  }

  /**
   * Unlike a bare EventEmitter, an `error` event with no listener is dropped rather than thrown:
   * errors here are reports to faces (a bot that does not listen must not crash).
   */
  protected emit<K extends keyof E & string>(event: K, ...args: E[K]): boolean {
    if (event === 'error' && this.#ee.listenerCount('error') === 0) return false;
    return this.#ee.emit(event, ...args);
  }

  listenerCount<K extends keyof E & string>(event: K): number {
    return this.#ee.listenerCount(event);
  }

  removeAllListeners(): void {
    this.#ee.removeAllListeners();
  }
}
