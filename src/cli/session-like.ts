/**
 * What the CLI faces (Ink UI, --json, demo stranger) need from a Session. Only types are imported
 * here, so faces and their tests never load werift or ws; `src/peer/session.ts` satisfies it.
 */
import type { BlockStore } from '../peer/session.js';
import type { MediaEvents, MediaOptions } from '../media/pipeline/media-types.js';
import type { SessionCommands, SessionEvents, SessionState } from '../peer/session-events.js';
import type { IceServer } from '../signaling/protocol.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

export type SessionEventName = keyof SessionEvents & string;
/** Media events carrying raw frames: for the video pane only, never in `--json`. */
export type FrameEventName = 'remote-frame' | 'self-frame';
/** Events that are plain data (everything `--json` prints). */
export type DataEventName = Exclude<SessionEventName, FrameEventName>;
/** The chat-core events (and the media notices the status line shows) the UI's view model folds. */
export type CoreEventName =
  Exclude<DataEventName, keyof MediaEvents> | 'partner-media' | 'partner-recording' | 'media-error';

/** The payload of one event (`{}` for payload-less events such as `typing`). */
export type SessionEventData<K extends SessionEventName> = SessionEvents[K] extends [infer A]
  ? A
  : Record<string, never>;

type Tagged<N extends SessionEventName> = { [K in N]: { name: K; data: SessionEventData<K> } }[N];
/** A chat-core session event as a tagged value: `{ name: 'message', data: { id, text } }`. */
export type AnySessionEvent = Tagged<CoreEventName>;
/** Any plain-data session event, media included (what `--json` prints). */
export type AnyDataEvent = Tagged<DataEventName>;

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
  /** Everything through TURN (`--relay-only`). */
  relayOnly?: boolean;
  /** Trusted CA certificates for `wss://` (`--ca`). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Persistent blocks (`--block-file`). */
  blockStore?: BlockStore;
  /** Video and audio (absent: text only). */
  media?: MediaOptions;
}

export type SessionFactory = (opts: SessionFactoryOptions) => SessionLike;

/** true: a chat-core event (subscribeAll); false: a media data event (subscribeData adds them). */
const EVENT_NAMES: Record<DataEventName, boolean> = {
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
  'partner-media': true,
  'partner-recording': true,
  'first-frame': false,
  'media-stats': false,
  freeze: false,
  'black-frame': false,
  'frozen-picture': false,
  'media-error': true,
};
/** The chat-core event names (the Record above makes the compiler check the list is complete). */
export const SESSION_EVENT_NAMES = (Object.keys(EVENT_NAMES) as DataEventName[]).filter(
  (n) => EVENT_NAMES[n],
) as readonly CoreEventName[];
/** Every plain-data event name, media included. */
export const DATA_EVENT_NAMES = Object.keys(EVENT_NAMES) as readonly DataEventName[];

/** Listens to every chat-core session event as one tagged stream; returns the unsubscribe function. */
export function subscribeAll(session: SessionLike, listener: (event: AnySessionEvent) => void): () => void {
  return subscribeNames(session, SESSION_EVENT_NAMES, listener as (event: AnyDataEvent) => void);
}

/** Like {@link subscribeAll}, with the media data events too (`--json`). */
export function subscribeData(session: SessionLike, listener: (event: AnyDataEvent) => void): () => void {
  return subscribeNames(session, DATA_EVENT_NAMES, listener);
}

function subscribeNames(
  session: SessionLike,
  names: readonly DataEventName[],
  listener: (event: AnyDataEvent) => void,
): () => void {
  const offs = names.map((name) =>
    session.on(name, (...args: unknown[]) => {
      const data = (args[0] ?? {}) as AnyDataEvent['data'];
      listener({ name, data } as AnyDataEvent);
    }),
  );
  return () => {
    for (const off of offs) off();
  };
}
