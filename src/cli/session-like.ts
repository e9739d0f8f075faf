/**
 * What the CLI faces (Ink UI, --json, demo stranger) need from a Session. Only types are imported
 * here, so faces and their tests never load werift or ws; `src/peer/session.ts` satisfies it.
 */
import type { SessionCommands, SessionEvents, SessionState } from '../peer/session-events.js';
import type { IceServer } from '../signaling/protocol.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

export type SessionEventName = keyof SessionEvents & string;

/** The payload of one event (`{}` for payload-less events such as `typing`). */
export type SessionEventData<K extends SessionEventName> = SessionEvents[K] extends [infer A]
  ? A
  : Record<string, never>;

/** Any session event as a tagged value: `{ name: 'message', data: { id, text } }`. */
export type AnySessionEvent = {
  [K in SessionEventName]: { name: K; data: SessionEventData<K> };
}[SessionEventName];

export interface SessionLike extends SessionCommands {
  on<K extends SessionEventName>(event: K, listener: (...args: SessionEvents[K]) => void): () => void;
  readonly state: SessionState;
  readonly matchId: string | null;
  /** Interests shared with the current stranger. */
  readonly interests: string[];
  readonly signalingUp: boolean;
}

/** Mirrors `SessionOptions` in src/peer/session.ts. */
export interface SessionFactoryOptions {
  serverUrl: string;
  interests?: string[];
  iceServers?: IceServer[];
  /** Bind ICE to 127.0.0.1 only (tests, single machine). */
  loopbackOnly?: boolean;
  /** Search again by itself when the stranger leaves. */
  autoNext?: boolean;
  clock?: Clock;
  logger?: Logger;
  clientName?: string;
}

export type SessionFactory = (opts: SessionFactoryOptions) => SessionLike;

const EVENT_NAMES: Record<SessionEventName, true> = {
  state: true,
  matched: true,
  connected: true,
  message: true,
  sent: true,
  delivered: true,
  undelivered: true,
  typing: true,
  'partner-left': true,
  reconnecting: true,
  resumed: true,
  signaling: true,
  stats: true,
  error: true,
};
/** Every session event name (the Record above makes the compiler check it is complete). */
export const SESSION_EVENT_NAMES = Object.keys(EVENT_NAMES) as readonly SessionEventName[];

/** Listens to every session event as one tagged stream; returns the unsubscribe function. */
export function subscribeAll(session: SessionLike, listener: (event: AnySessionEvent) => void): () => void {
  const offs = SESSION_EVENT_NAMES.map((name) =>
    session.on(name, (...args: unknown[]) => {
      const data = (args[0] ?? {}) as AnySessionEvent['data'];
      listener({ name, data } as AnySessionEvent);
    }),
  );
  return () => {
    for (const off of offs) off();
  };
}
