/** Loads the real Session lazily, so `--help` never pays for werift and ws. */
import type { SessionFactory } from './session-like.js';

export async function loadSessionFactory(): Promise<SessionFactory> {
  const { Session } = await import('../peer/session.js');
  return (opts) => new Session(opts);
}
