/**
 * WebSocket close codes the signaling server uses (docs/protocol.md lists them).
 * 1000–1015 are RFC 6455 codes; 4000–4999 are randchat's own.
 */
export const CloseCodes = {
  /** The client said `bye`; the session is over. */
  NORMAL: 1000,
  /** The server is shutting down (preceded by a `shutdown` message). */
  GOING_AWAY: 1001,
  /** A frame exceeded the hard size limit (sent by `ws` itself; no error message precedes it). */
  MESSAGE_TOO_BIG: 1009,
  /** Try again later: multi-node storage is unreachable (preceded by ERR_UNAVAILABLE). */
  TRY_AGAIN_LATER: 1013,
  /** `hello` carried another protocol version (preceded by ERR_VERSION_MISMATCH). */
  VERSION_MISMATCH: 4001,
  /** The session was resumed on a newer connection; this one is retired. */
  REPLACED: 4002,
  /** No `hello` within the hello timeout (preceded by ERR_HELLO_REQUIRED). */
  HELLO_TIMEOUT: 4003,
  /** Too many invalid messages on one connection. */
  PROTOCOL_ERRORS: 4007,
  /** The client kept flooding well past the message rate limit (preceded by ERR_RATE_LIMITED). */
  RATE_LIMITED: 4008,
  /** Too many connections from one IP address (preceded by ERR_TOO_MANY_CONNECTIONS). */
  TOO_MANY_CONNECTIONS: 4009,
  /** The client's address is banned (preceded by ERR_BANNED). */
  BANNED: 4010,
  /** The client did not read fast enough: its send buffer passed the cap (preceded by ERR_SLOW_CONSUMER). */
  SLOW_CONSUMER: 4011,
} as const;
export type CloseCode = (typeof CloseCodes)[keyof typeof CloseCodes];

/**
 * Connections that miss a heartbeat pong are terminated without a close frame; the client then sees
 * the abnormal-closure code 1006.
 */
export const HEARTBEAT_TERMINATED_CODE = 1006;
