import type { Session } from '../../src/peer/session.js';
import type { SessionEvents } from '../../src/peer/session-events.js';

type Name = keyof SessionEvents & string;
export type Recorded = { [K in Name]: { event: K; data: SessionEvents[K][0] } }[Name];

/**
 * Records every event a Session emits and lets a test wait for one matching a predicate
 * (events already seen count, so there is no race between acting and waiting).
 */
export class EventLog {
  readonly events: Recorded[] = [];
  readonly #waiters = new Set<() => void>();
  readonly #offs: (() => void)[] = [];

  constructor(
    readonly session: Session,
    readonly label = 'session',
  ) {
    const names: Name[] = [
      'state',
      'matched',
      'connected',
      'message',
      'sent',
      'delivered',
      'undelivered',
      'typing',
      'partner-left',
      'reconnecting',
      'resumed',
      'signaling',
      'stats',
      'error',
      // media (frames are not recorded: listen to 'remote-frame' directly)
      'first-frame',
      'media-stats',
      'freeze',
      'black-frame',
      'frozen-picture',
      'partner-media',
      'partner-recording',
      'media-error',
    ];
    for (const name of names) {
      this.#offs.push(
        session.on(name, (...args: unknown[]) => {
          this.events.push({ event: name, data: args[0] } as Recorded);
          for (const w of [...this.#waiters]) w();
        }),
      );
    }
  }

  /** Index to pass as `from` so that only events after this point count. */
  mark(): number {
    return this.events.length;
  }

  of<K extends Name>(event: K, from = 0): SessionEvents[K][0][] {
    return this.events
      .slice(from)
      .filter((e) => e.event === event)
      .map((e) => e.data as SessionEvents[K][0]);
  }

  waitFor<K extends Name>(
    event: K,
    pred: (data: SessionEvents[K][0]) => boolean = () => true,
    opts: { from?: number; timeoutMs?: number } = {},
  ): Promise<SessionEvents[K][0]> {
    const from = opts.from ?? 0;
    const timeoutMs = opts.timeoutMs ?? 15_000;
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const seen = this.of(event, from);
        const i = seen.findIndex(pred);
        if (i < 0) return false;
        this.#waiters.delete(check);
        clearTimeout(timer);
        resolve(seen[i] as SessionEvents[K][0]);
        return true;
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        const seen = this.events.map((e) => e.event).join(', ');
        reject(
          new Error(`${this.label}: timed out after ${timeoutMs} ms waiting for "${event}" (seen: ${seen})`),
        );
      }, timeoutMs);
      if (!check()) this.#waiters.add(check);
    });
  }

  dispose(): void {
    for (const off of this.#offs) off();
  }
}
