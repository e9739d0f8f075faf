/** Injected time: everything that waits or measures takes a Clock, so tests can use fake timers. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  clearTimeout(timer: Timer | undefined): void;
  setInterval(fn: () => void, ms: number): Timer;
  clearInterval(timer: Timer | undefined): void;
}

/** Opaque timer handle. */
export type Timer = { readonly __timer: unique symbol } | ReturnType<typeof setTimeout>;

/** The real clock. Timers are unref'd so they never keep the process alive on their own. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout(timer) {
    if (timer !== undefined) clearTimeout(timer as ReturnType<typeof setTimeout>);
  },
  setInterval(fn, ms) {
    const t = setInterval(fn, ms);
    t.unref?.();
    return t;
  },
  clearInterval(timer) {
    if (timer !== undefined) clearInterval(timer as ReturnType<typeof setInterval>);
  },
};
