import { ErrorCodes, RandchatError } from '../../src/errors.js';
import type { SessionEvents, SessionState } from '../../src/peer/session-events.js';
import type { SessionFactoryOptions, SessionLike } from '../../src/cli/session-like.js';
import { TypedEmitter } from '../../src/util/typed-emitter.js';

/**
 * A scripted stand-in for Session, for testing the CLI faces without sockets: it records the
 * commands it gets and lets the test emit any session event with `fire()`.
 */
export class FakeSession extends TypedEmitter<SessionEvents> implements SessionLike {
  readonly calls: string[] = [];
  readonly sent: string[] = [];
  startError: Error | null = null;
  #state: SessionState = 'idle';
  #matchId: string | null = null;
  #nextId = 1;

  constructor(readonly options: Partial<SessionFactoryOptions> = {}) {
    super();
  }

  get state(): SessionState {
    return this.#state;
  }
  get matchId(): string | null {
    return this.#matchId;
  }
  get interests(): string[] {
    return [];
  }
  get signalingUp(): boolean {
    return this.#state !== 'idle' && this.#state !== 'closed';
  }

  fire<K extends keyof SessionEvents & string>(event: K, ...args: SessionEvents[K]): void {
    if (event === 'state') this.#state = (args[0] as { state: SessionState }).state;
    if (event === 'matched') this.#matchId = (args[0] as { matchId: string }).matchId;
    this.emit(event, ...args);
  }

  /** Moves to `state`, emitting the state event like the real session. */
  setState(state: SessionState): void {
    const prev = this.#state;
    if (prev !== state) this.fire('state', { state, prev });
  }

  async start(): Promise<void> {
    this.calls.push('start');
    if (this.startError) {
      this.fire('error', {
        code: ErrorCodes.SIGNALING_UNREACHABLE,
        message: this.startError.message,
        fatal: true,
      });
      this.setState('closed');
      throw this.startError;
    }
    this.setState('searching');
  }
  next(): void {
    this.calls.push('next');
    this.setState('searching');
  }
  async reconnect(): Promise<void> {
    this.calls.push('reconnect');
  }
  send(text: string): string {
    this.calls.push(`send:${text}`);
    if (this.#state !== 'connected') {
      throw new RandchatError(
        ErrorCodes.NO_PARTNER,
        'Not chatting with anyone yet. Type /next to find a stranger.',
      );
    }
    const id = `m${this.#nextId++}`;
    this.sent.push(text);
    this.fire('sent', { id, text, queued: false });
    return id;
  }
  typing(): void {
    this.calls.push('typing');
  }
  block(): void {
    this.calls.push('block');
  }
  report(reason: string): void {
    this.calls.push(`report:${reason}`);
  }
  async stop(): Promise<void> {
    this.calls.push('stop');
    this.setState('closed');
  }

  /** Shortcut: matched + connected. */
  connect(matchId = 'match-1', interests: string[] = []): void {
    this.fire('matched', { matchId, role: 'offerer', interests });
    this.setState('connecting');
    this.setState('connected');
    this.fire('connected', { matchId, setupMs: 120, candidateType: 'host' });
  }
}
