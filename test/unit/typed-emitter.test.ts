import { describe, expect, it } from 'vitest';
import { TypedEmitter } from '../../src/util/typed-emitter.js';

class Thing extends TypedEmitter<{ error: [{ code: string }]; data: [number] }> {
  fire<K extends 'error' | 'data'>(
    event: K,
    ...args: K extends 'error' ? [{ code: string }] : [number]
  ): boolean {
    return (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
  }
}

describe('TypedEmitter', () => {
  it('drops an error event nobody listens to instead of throwing', () => {
    const t = new Thing();
    expect(t.fire('error', { code: 'ERR_X' })).toBe(false);
  });

  it('delivers errors and data to listeners, and on() returns an unsubscribe', () => {
    const t = new Thing();
    const got: unknown[] = [];
    const off = t.on('error', (e) => got.push(e.code));
    t.on('data', (n) => got.push(n));
    t.fire('error', { code: 'ERR_X' });
    t.fire('data', 7);
    off();
    t.fire('error', { code: 'ERR_Y' });
    expect(got).toEqual(['ERR_X', 7]);
    expect(t.listenerCount('error')).toBe(0);
  });
});
