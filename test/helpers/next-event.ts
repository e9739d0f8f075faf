import type { EventMap, TypedEmitter } from '../../src/util/typed-emitter.js';

/**
 * Resolves with the arguments of the next `event`, or rejects after `timeoutMs`.
 * TypeScript cannot infer `E` from a subclass, so pass it: `nextEvent<PeerLinkEvents, 'open'>(link, 'open')`.
 */
export function nextEvent<E extends EventMap, K extends keyof E & string>(
  emitter: TypedEmitter<E>,
  event: K,
  timeoutMs = 10_000,
): Promise<E[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no "${event}" event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = emitter.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}
