/**
 * The waiting queue: O(1) add/remove/random access, an index by interest so a joiner finds
 * strangers sharing an interest without scanning everyone, and the "open" set — the queued sessions
 * anyone may take (no interests, or their interest window is over) — so that a joiner who takes
 * anyone never walks past strangers still waiting for a shared interest.
 *
 * A session with interests enters the open set when its window ends: on `open(id)` (the
 * matchmaker's `interest-window-expired` timer) or on `openDue(now)`, whichever comes first
 * (timers fire late; `openDue` makes the set exact at the moment of pairing).
 */
export interface Queueable {
  readonly id: string;
  readonly interests: readonly string[];
}

/** Ids in a swap-remove array with an index: O(1) add, remove, has and access by position. */
class IndexedIds {
  readonly ids: string[] = [];
  readonly #index = new Map<string, number>();

  has(id: string): boolean {
    return this.#index.has(id);
  }

  add(id: string): void {
    if (this.#index.has(id)) return;
    this.#index.set(id, this.ids.length);
    this.ids.push(id);
  }

  remove(id: string): boolean {
    const i = this.#index.get(id);
    if (i === undefined) return false;
    const last = this.ids.pop() as string;
    if (last !== id) {
      this.ids[i] = last;
      this.#index.set(last, i);
    }
    this.#index.delete(id);
    return true;
  }
}

export class WaitingQueue {
  readonly #all = new IndexedIds();
  readonly #open = new IndexedIds();
  readonly #byInterest = new Map<string, Set<string>>();
  /** Queued sessions not yet open → when their window ends. */
  readonly #opensAt = new Map<string, number>();
  /**
   * The same, in order of entry (a FIFO with a moving head), which is window-end order while the
   * clock only moves forward; should it not, the matchmaker's timer still opens each one. Entries go
   * stale when their session leaves or re-enters the queue; `openDue` drops those as it passes them,
   * so it costs amortised O(1) per add.
   */
  #fifo: { id: string; at: number }[] = [];
  #head = 0;

  get size(): number {
    return this.#all.ids.length;
  }

  has(id: string): boolean {
    return this.#all.has(id);
  }

  /** The id at position `i` (positions are arbitrary and change on removal). */
  at(i: number): string | undefined {
    return this.#all.ids[i];
  }

  ids(): readonly string[] {
    return this.#all.ids;
  }

  /** How many queued sessions anyone may take. */
  get openSize(): number {
    return this.#open.ids.length;
  }

  isOpen(id: string): boolean {
    return this.#open.has(id);
  }

  /** The open id at position `i` (positions are arbitrary and change on removal). */
  openAt(i: number): string | undefined {
    return this.#open.ids[i];
  }

  /**
   * Queues `s`. Without interests it is open at once; with interests it opens at `opensAt` (the end
   * of its interest window). Adding a queued session does nothing.
   */
  add(s: Queueable, opensAt: number): void {
    if (this.#all.has(s.id)) return;
    this.#all.add(s.id);
    if (s.interests.length === 0) {
      this.#open.add(s.id);
    } else {
      this.#opensAt.set(s.id, opensAt);
      this.#fifo.push({ id: s.id, at: opensAt });
    }
    for (const interest of s.interests) {
      let set = this.#byInterest.get(interest);
      if (!set) this.#byInterest.set(interest, (set = new Set()));
      set.add(s.id);
    }
  }

  /** Removes `s`. `s.interests` must be the ones it was added with. */
  remove(s: Queueable): boolean {
    if (!this.#all.remove(s.id)) return false;
    this.#open.remove(s.id);
    this.#opensAt.delete(s.id);
    for (const interest of s.interests) {
      const set = this.#byInterest.get(interest);
      if (!set) continue;
      set.delete(s.id);
      if (set.size === 0) this.#byInterest.delete(interest);
    }
    return true;
  }

  /** Moves a queued session into the open set now (its interest window is over). */
  open(id: string): void {
    if (!this.#all.has(id)) return;
    this.#opensAt.delete(id);
    this.#open.add(id);
  }

  /** Opens every queued session whose window ended at or before `now`. */
  openDue(now: number): void {
    const fifo = this.#fifo;
    while (this.#head < fifo.length) {
      const e = fifo[this.#head] as { id: string; at: number };
      if (e.at > now) break;
      this.#head += 1;
      // Stale unless the session is still queued, not yet open, from this very add.
      if (this.#opensAt.get(e.id) === e.at) this.open(e.id);
    }
    if (this.#head === fifo.length) {
      this.#fifo = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > fifo.length) {
      this.#fifo = fifo.slice(this.#head);
      this.#head = 0;
    }
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
