import { ErrorCodes, ExitCodes, RandchatError, type ExitCode } from '../errors.js';

const SIGNALING_CODES = new Set<string>([
  ErrorCodes.SIGNALING_UNREACHABLE,
  ErrorCodes.SIGNALING_CLOSED,
  ErrorCodes.TOO_MANY_CONNECTIONS,
]);

/** The process exit code for an error that ends a session (README "Exit codes"). */
export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof RandchatError && err.exitCode !== ExitCodes.FAILURE) return err.exitCode;
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  if (code === ErrorCodes.VERSION_MISMATCH) return ExitCodes.PROTOCOL;
  if (SIGNALING_CODES.has(code)) return ExitCodes.SIGNALING;
  return ExitCodes.FAILURE;
}
