/** The pino-backed Logger used by `randchat server`: JSON lines, levels, child names, errors. */
import { describe, expect, it } from 'vitest';
import { createPinoLogger } from '../../src/util/pino-logger.js';

function capture(level: 'info' | 'debug' | 'warn' = 'info') {
  const lines: Record<string, unknown>[] = [];
  const logger = createPinoLogger({
    level,
    name: 'server',
    write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>),
  });
  return { logger, lines };
}

describe('createPinoLogger', () => {
  it('writes one JSON object per call with msg, level, name and fields', () => {
    const { logger, lines } = capture();
    logger.info('match', { session: 's1', matchId: 'm1' });
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, name: 'server', msg: 'match', session: 's1', matchId: 'm1' }),
    ]);
    expect(typeof lines[0]!['time']).toBe('number');
  });

  it('honours the level and names children', () => {
    const { logger, lines } = capture('warn');
    logger.info('hidden');
    logger.child('broker').warn('shown');
    expect(lines.map((l) => [l['msg'], l['name']])).toEqual([['shown', 'server:broker']]);
    expect(logger.level).toBe('warn');
  });

  it('serialises errors', () => {
    const { logger, lines } = capture();
    logger.error('boom', { err: new Error('bad thing') });
    expect(lines[0]!['err']).toMatchObject({ type: 'Error', message: 'bad thing' });
  });
});
