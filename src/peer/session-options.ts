/** Options of a {@link Session} (src/peer/session.ts), and the persistent block store it uses. */
import type { MediaOptions } from '../media/pipeline/media-types.js';
import type { IceServer } from '../signaling/protocol.js';
import type { ReconnectPolicy } from '../signaling/reconnect-policy.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

export interface SessionOptions {
  serverUrl: string;
  interests?: string[];
  /** ICE servers to use instead of the ones the signaling server hands out. */
  iceServers?: IceServer[];
  /** Bind ICE to 127.0.0.1 only (tests, benchmarks, the demo). */
  loopbackOnly?: boolean;
  /** Search again by itself when the stranger leaves. */
  autoNext?: boolean;
  clientName?: string;
  clock?: Clock;
  logger?: Logger;
  reconnectPolicy?: ReconnectPolicy;
  /** Chat heartbeat interval and how long silence means the partner is gone (ms). */
  heartbeatMs?: number;
  partnerTimeoutMs?: number;
  /** Signaling app-heartbeat interval (ms). */
  signalingPingMs?: number;
  /** How long a peer connection may take to open (ms). */
  peerConnectTimeoutMs?: number;
  /** Everything through TURN: the stranger never learns our address (see PeerLink). */
  relayOnly?: boolean;
  /** Extra CA certificates (PEM) for a `wss://` server. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Where `/block` keeps its tags, and our identity, across runs (see src/cli/block-file.ts). */
  blockStore?: BlockStore;
  /** Video and audio through ffmpeg (absent: text only). See src/media/pipeline. */
  media?: MediaOptions;
}

/** Persistent blocks: an identity sent in `hello` and the peer tags of blocked strangers. */
export interface BlockStore {
  readonly identity: string;
  /** The most recent tags (at most MAX_BLOCK_TAGS are sent). */
  tags(): string[];
  add(tag: string): void;
}
