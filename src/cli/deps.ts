/** The outside world of the CLI, injected so the program can run inside tests. */
import type { SessionFactory } from './session-like.js';

export type Env = Record<string, string | undefined>;

export interface CliDeps {
  /** Data output (stdout). */
  writeOut(text: string): void;
  /** Human output: errors, notices (stderr). */
  writeErr(text: string): void;
  env: Env;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Subscribes to SIGINT/SIGTERM; returns an unsubscribe function. */
  onSignal(handler: (signal: NodeJS.Signals) => void): () => void;
  version: string;
  /** Receives the exit code chosen by a command's action. */
  setExitCode?(code: number): void;
  /** Test seams: where Session and the server come from (loaded lazily by default). */
  loadSession?: () => Promise<SessionFactory>;
}
