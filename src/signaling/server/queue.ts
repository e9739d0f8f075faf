/**
 * The waiting queue: O(1) add/remove/random access, plus an index by interest so a joiner finds
 * strangers sharing an interest without scanning everyone.
 */
export interface Queueable {
  readonly id: string;
  readonly interests: readonly string[];
}

export class WaitingQueue {
  readonly #ids: string[] = [];
  readonly #index = new Map<string, number>();
  readonly #byInterest = new Map<string, Set<string>>();

  get size(): number {
    return this.#ids.length;
  }

  has(id: string): boolean {
    return this.#index.has(id);
  }

  /** The id at position `i` (positions are arbitrary and change on removal). */
  at(i: number): string | undefined {
    return this.#ids[i];
  }

  ids(): readonly string[] {
    return this.#ids;
  }

  add(s: Queueable): void {
    if (this.#index.has(s.id)) return;
    this.#index.set(s.id, this.#ids.length);
    this.#ids.push(s.id);
    for (const interest of s.interests) {
      let set = this.#byInterest.get(interest);
      if (!set) this.#byInterest.set(interest, (set = new Set()));
      set.add(s.id);
    }
  }

  /** Removes `s` (swap-remove). `s.interests` must be the ones it was added with. */
  remove(s: Queueable): boolean {
    const i = this.#index.get(s.id);
    if (i === undefined) return false;
    const last = this.#ids.pop() as string;
    if (last !== s.id) {
      this.#ids[i] = last;
      this.#index.set(last, i);
    }
    this.#index.delete(s.id);
    for (const interest of s.interests) {
      const set = this.#byInterest.get(interest);
      if (!set) continue;
      set.delete(s.id);
      if (set.size === 0) this.#byInterest.delete(interest);
    }
    return true;
  }

  /** Up to `cap` distinct queued ids (other than `exclude`) sharing at least one of `interests`. */
  sharing(interests: readonly string[], exclude: string, cap: number): string[] {
    const out = new Set<string>();
    for (const interest of interests) {
      const set = this.#byInterest.get(interest);
      if (!set) continue;
      for (const id of set) {
        if (id !== exclude) out.add(id);
        if (out.size >= cap) return [...out];
      }
    }
    return [...out];
  }
}
