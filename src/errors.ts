/**
 * Errors with stable codes. Every error randchat raises or sends carries a `code`
 * from {@link ErrorCodes}; README.md lists them. Errors that end the program also
 * carry an `exitCode` (see {@link ExitCodes}).
 */

/** Process exit codes (documented in README.md). */
export const ExitCodes = {
  OK: 0,
  /** Unexpected internal failure. */
  FAILURE: 1,
  /** Bad command-line usage (unknown flag, invalid value). */
  USAGE: 2,
  /** Could not reach or stay connected to the signaling server. */
  SIGNALING: 3,
  /** The server speaks another protocol version. */
  PROTOCOL: 4,
  /** The output is not a terminal and the UI was asked for (use --json). */
  NOT_A_TTY: 5,
  /** Interrupted by SIGINT/SIGTERM before a clean quit. */
  INTERRUPTED: 130,
} as const;
export type ExitCode = (typeof ExitCodes)[keyof typeof ExitCodes];

/** Stable error codes. Wire errors (sent by the server) and local errors share one namespace. */
export const ErrorCodes = {
  // --- signaling protocol: sent by the server in {type:"error"} ---
  BAD_JSON: 'ERR_BAD_JSON',
  BAD_MESSAGE: 'ERR_BAD_MESSAGE',
  UNKNOWN_TYPE: 'ERR_UNKNOWN_TYPE',
  BINARY_FRAME: 'ERR_BINARY_FRAME',
  TOO_LARGE: 'ERR_TOO_LARGE',
  VERSION_MISMATCH: 'ERR_VERSION_MISMATCH',
  HELLO_REQUIRED: 'ERR_HELLO_REQUIRED',
  ALREADY_HELLO: 'ERR_ALREADY_HELLO',
  NOT_MATCHED: 'ERR_NOT_MATCHED',
  STALE_MATCH: 'ERR_STALE_MATCH',
  RATE_LIMITED: 'ERR_RATE_LIMITED',
  JOIN_RATE_LIMITED: 'ERR_JOIN_RATE_LIMITED',
  TOO_MANY_CONNECTIONS: 'ERR_TOO_MANY_CONNECTIONS',
  /** The client's address is banned by the operator (the socket closes with 4010). */
  BANNED: 'ERR_BANNED',
  /** The client read too slowly: its send buffer passed the server's cap (closes with 4011). */
  SLOW_CONSUMER: 'ERR_SLOW_CONSUMER',
  /** `block`/`report` with no current or previous stranger. */
  NO_STRANGER: 'ERR_NO_STRANGER',
  /** Matchmaking storage (Redis, multi-node mode) is unreachable; retry shortly (hello: closes 1013). */
  UNAVAILABLE: 'ERR_UNAVAILABLE',
  // --- client side ---
  SIGNALING_UNREACHABLE: 'ERR_SIGNALING_UNREACHABLE',
  SIGNALING_CLOSED: 'ERR_SIGNALING_CLOSED',
  NOT_CONNECTED: 'ERR_NOT_CONNECTED',
  NO_PARTNER: 'ERR_NO_PARTNER',
  MESSAGE_TOO_LONG: 'ERR_MESSAGE_TOO_LONG',
  EMPTY_MESSAGE: 'ERR_EMPTY_MESSAGE',
  PEER_FAILED: 'ERR_PEER_FAILED',
  PEER_TIMEOUT: 'ERR_PEER_TIMEOUT',
  /** `--relay-only` without a usable TURN server (none configured, or it refused the credentials). */
  RELAY_UNAVAILABLE: 'ERR_RELAY_UNAVAILABLE',
  PARTNER_GONE: 'ERR_PARTNER_GONE',
  BAD_PEER_MESSAGE: 'ERR_BAD_PEER_MESSAGE',
  BAD_COMMAND: 'ERR_BAD_COMMAND',
  SESSION_CLOSED: 'ERR_SESSION_CLOSED',
  /** The block file could not be read or written. */
  BLOCK_FILE: 'ERR_BLOCK_FILE',
  // --- media (never fatal: the chat goes on without the failing part) ---
  /** No usable ffmpeg: video and audio are off, text chat works. */
  NO_FFMPEG: 'ERR_NO_FFMPEG',
  /** The camera or microphone is missing, busy or failed; nothing is sent for it. */
  MEDIA_DEVICE: 'ERR_MEDIA_DEVICE',
  /** A video/audio encoder (or capture) process died; it is restarted. */
  MEDIA_ENCODER: 'ERR_MEDIA_ENCODER',
  /** A video/audio decoder process died; it is restarted. */
  MEDIA_DECODER: 'ERR_MEDIA_DECODER',
  /** Audio playback (speakers) is unavailable; the stranger's audio is not played. */
  MEDIA_PLAYBACK: 'ERR_MEDIA_PLAYBACK',
  /** `--record` or `--snapshot` could not write its file. */
  MEDIA_RECORD: 'ERR_MEDIA_RECORD',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

const ALL_CODES = new Set<string>(Object.values(ErrorCodes));
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && ALL_CODES.has(value);
}

export class RandchatError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  constructor(code: ErrorCode, message: string, options: { exitCode?: ExitCode; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RandchatError';
    this.code = code;
    this.exitCode = options.exitCode ?? ExitCodes.FAILURE;
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Normalises anything thrown into a RandchatError (unknown errors keep their message). */
export function toRandchatError(err: unknown, fallback: ErrorCode = ErrorCodes.PEER_FAILED): RandchatError {
  if (err instanceof RandchatError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RandchatError(fallback, message, { cause: err });
}
