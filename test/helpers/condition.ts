/**
 * Waiting for a condition that callbacks make true, without polling: callbacks call `changed()`,
 * and `until(check)` re-checks on each call, resolving once `check()` holds (or rejecting after
 * `timeoutMs` with `describe()` in the message, to show what did happen).
 */
export class Condition {
  readonly #waiters = new Set<() => void>();

  constructor(private readonly describe: () => string = () => '') {}

  changed(): void {
    for (const w of [...this.#waiters]) w();
  }

  until(check: () => boolean, timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(w);
        reject(new Error(`condition not met within ${timeoutMs} ms; ${this.describe()}`));
      }, timeoutMs);
      const w = (): void => {
        if (!check()) return;
        clearTimeout(timer);
        this.#waiters.delete(w);
        resolve();
      };
      this.#waiters.add(w);
      w();
    });
  }
}
