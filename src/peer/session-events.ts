/**
 * The contract between the headless Session core and its faces (Ink UI, --json, demo stranger,
 * bots, tests). A face calls the {@link SessionCommands} and listens to {@link SessionEvents}.
 */
import type { ErrorCode } from '../errors.js';
import type { MediaEvents } from '../media/pipeline/media-types.js';
import type { LeaveReason, Role } from '../signaling/protocol.js';

/** idle → searching → connecting → connected → (reconnecting) → … → closed */
export type SessionState = 'idle' | 'searching' | 'connecting' | 'connected' | 'reconnecting' | 'closed';
export const SESSION_STATES: readonly SessionState[] = [
  'idle',
  'searching',
  'connecting',
  'connected',
  'reconnecting',
  'closed',
];

/** ICE candidate type of the selected pair's local candidate. */
export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay' | 'unknown';

export interface ChatMessage {
  /** Sender-assigned id, unique within a match. */
  id: string;
  /** Already sanitised: safe to print to a terminal. */
  text: string;
}

export type Who = 'self' | 'partner';

/** Media events (`first-frame`, `media-stats`, `partner-media`, …): see src/media/pipeline/media-types.ts. */
export type SessionEvents = MediaEvents & {
  state: [{ state: SessionState; prev: SessionState }];
  /** The server paired us with a stranger. */
  matched: [{ matchId: string; role: Role; interests: string[] }];
  /** The data channel is open: chat is ready. `setupMs` runs from `matched` to channel open. */
  connected: [{ matchId: string; setupMs: number; candidateType: CandidateType }];
  /** A chat message from the stranger (sanitised). */
  message: [ChatMessage];
  /** Our message was queued locally (channel not open yet) or sent; `delivered` follows on ack. */
  sent: [ChatMessage & { queued: boolean }];
  /** The stranger's side acknowledged our message. */
  delivered: [{ id: string }];
  /** Messages that never reached the stranger (they left first). */
  undelivered: [{ ids: string[]; reason: string }];
  /** The stranger is typing. */
  typing: [];
  /** The stranger is gone. `skipped` = they pressed /next; `left` = they quit; `disconnected` = lost. */
  'partner-left': [{ matchId: string; reason: LeaveReason | 'timeout' | 'failed' }];
  /** We (`self`) or the stranger (`partner`) are reconnecting. */
  reconnecting: [{ who: Who; attempt?: number; delayMs?: number }];
  /** We (`self`) or the stranger (`partner`) are back. */
  resumed: [{ who: Who }];
  /** Signaling server reachability (chat keeps working peer-to-peer while it is down). */
  signaling: [{ up: boolean }];
  /** Connection statistics, sampled about once a second while connected. */
  stats: [{ rttMs: number | null; candidateType: CandidateType }];
  /** Something went wrong. Fatal errors are followed by state `closed`. */
  error: [{ code: ErrorCode | string; message: string; fatal: boolean }];
};

export interface SessionCommands {
  /** Connect to the signaling server and start searching. */
  start(): Promise<void>;
  /** Leave the current stranger (they are told "skipped") and search again at once. */
  next(): void;
  /** Recover the current stranger: reconnect signaling if needed, then rebuild the peer connection. */
  reconnect(): Promise<void>;
  /** Send a chat message; returns its id. Throws RandchatError (ERR_MESSAGE_TOO_LONG, ERR_EMPTY_MESSAGE, ERR_NO_PARTNER). */
  send(text: string): string;
  /** Tell the stranger we are typing (throttled). */
  typing(): void;
  /**
   * Never be matched with the current (else the last) stranger again, and skip them if still
   * here. Persists across runs with a block store. Throws ERR_NO_STRANGER when there was nobody.
   */
  block(): void;
  /** Report the current (else the last) stranger to the server operator. Throws ERR_NO_STRANGER / ERR_BAD_COMMAND. */
  report(reason: string): void;
  /** Send our video (true) or pause it; the stranger gets `partner-media {video:false}`. No-op without media. */
  setVideo?(on: boolean): void;
  /** Mute or unmute our audio; the stranger gets `partner-media {audio:false}`. No-op without media. */
  setMuted?(muted: boolean): void;
  /** Show our own outgoing picture as `self-frame` events (true) or stop them. No-op without media. */
  setSelfView?(on: boolean): void;
  /** Size the stranger's video is decoded to (the video pane's pixels). No-op without media. */
  setVideoSize?(size: { width: number; height: number }): void;
  /** Leave and close everything. Idempotent. */
  stop(): Promise<void>;
}
