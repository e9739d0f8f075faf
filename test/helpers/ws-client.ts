/**
 * Test helpers for talking to the signaling server over real sockets.
 *
 * - {@link Inbox}: a queue of typed messages with `next(type)` / `waitFor(pred)` that wait for
 *   events (never sleep) and fail fast, listing what did arrive, on timeout or close.
 * - {@link TestClient}: a raw `ws` client that parses every server frame with the shared protocol
 *   module (frames that fail validation land in `invalid`), plus `hello()` and a `sync()` barrier.
 * - {@link closeAllClients}: call it in `afterEach`.
 */
import WebSocket from 'ws';
import {
  encode,
  parseServerMessage,
  PROTOCOL_VERSION,
  type ClientMessage,
  type ServerMessage,
} from '../../src/signaling/protocol.js';

export type Typed = { type: string };
export type OfType<M extends Typed, T extends M['type']> = Extract<M, { type: T }>;

interface Waiter<M> {
  pred: (m: M) => boolean;
  resolve: (m: M) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Messages not yet consumed by `next`/`waitFor`, in arrival order. */
export class Inbox<M extends Typed> {
  readonly pending: M[] = [];
  readonly all: M[] = [];
  #waiters: Waiter<M>[] = [];
  #ended: Error | null = null;

  constructor(readonly label = 'inbox') {}

  push(m: M): void {
    this.all.push(m);
    const i = this.#waiters.findIndex((w) => w.pred(m));
    if (i === -1) return void this.pending.push(m);
    const [w] = this.#waiters.splice(i, 1);
    clearTimeout(w!.timer);
    w!.resolve(m);
  }

  /** No more messages will come: pending and future waits fail with `err`. */
  end(err: Error): void {
    this.#ended = err;
    for (const w of this.#waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(this.#explain(err.message));
    }
  }

  /** Takes the first message (already queued or future) matching `pred`; others stay queued. */
  waitFor<R extends M = M>(pred: (m: M) => boolean, timeoutMs = 2000, what = 'matching message'): Promise<R> {
    const i = this.pending.findIndex(pred);
    if (i !== -1) return Promise.resolve(this.pending.splice(i, 1)[0] as R);
    if (this.#ended) return Promise.reject(this.#explain(`${this.#ended.message} (waiting for ${what})`));
    return new Promise<R>((resolve, reject) => {
      const w: Waiter<M> = {
        pred,
        resolve: resolve as (m: M) => void,
        reject,
        timer: setTimeout(() => {
          this.#waiters = this.#waiters.filter((x) => x !== w);
          reject(this.#explain(`timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs),
      };
      this.#waiters.push(w);
    });
  }

  /** Takes the next message of `type`. */
  next<T extends M['type']>(type: T, timeoutMs = 2000): Promise<OfType<M, T>> {
    return this.waitFor<OfType<M, T>>((m) => m.type === type, timeoutMs, `"${type}"`);
  }

  /** Returns and clears the queued messages. */
  drain(): M[] {
    return this.pending.splice(0);
  }

  types(): string[] {
    return this.pending.map((m) => m.type);
  }

  #explain(message: string): Error {
    const got = this.pending.map((m) => JSON.stringify(m).slice(0, 200)).join('\n  ');
    return new Error(`[${this.label}] ${message}; queued:\n  ${got || '(nothing)'}`);
  }
}

export interface CloseInfo {
  code: number;
  reason: string;
}

const open = new Set<TestClient>();

/** A raw WebSocket client for the signaling server. */
export class TestClient extends Inbox<ServerMessage> {
  readonly invalid: string[] = [];
  readonly closed: Promise<CloseInfo>;
  #pings = 0;

  private constructor(
    readonly ws: WebSocket,
    label: string,
  ) {
    super(label);
    open.add(this);
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '<binary>' : data.toString();
      const parsed = parseServerMessage(text);
      if (parsed.ok) this.push(parsed.msg);
      else this.invalid.push(text);
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        open.delete(this);
        const info = { code, reason: reason.toString() };
        this.end(new Error(`socket closed (${code}${info.reason ? ' ' + info.reason : ''})`));
        resolve(info);
      });
    });
  }

  static connect(
    url: string,
    options: WebSocket.ClientOptions & { label?: string } = {},
  ): Promise<TestClient> {
    const { label = 'client', ...wsOptions } = options;
    const ws = new WebSocket(url, wsOptions);
    return new Promise((resolve, reject) => {
      const client = new TestClient(ws, label);
      ws.once('open', () => resolve(client));
      ws.once('error', (err) => {
        open.delete(client);
        reject(err);
      });
    });
  }

  /** Connects and says hello; resolves with the welcome. */
  static async hello(
    url: string,
    hello: Partial<OfType<ClientMessage, 'hello'>> = {},
    options: WebSocket.ClientOptions & { label?: string } = {},
  ): Promise<{ client: TestClient; welcome: OfType<ServerMessage, 'welcome'> }> {
    const client = await TestClient.connect(url, options);
    const welcome = await client.hello(hello);
    return { client, welcome };
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends a message (or any object, for invalid-input tests) as a JSON text frame. */
  send(msg: ClientMessage | object): void {
    this.ws.send(encode(msg as ClientMessage));
  }

  /** Sends a raw frame. */
  sendRaw(data: string | Buffer, options: { binary?: boolean } = {}): void {
    this.ws.send(data, { binary: options.binary ?? typeof data !== 'string' });
  }

  hello(fields: Partial<OfType<ClientMessage, 'hello'>> = {}): Promise<OfType<ServerMessage, 'welcome'>> {
    this.send({ type: 'hello', v: PROTOCOL_VERSION, ...fields });
    return this.next('welcome');
  }

  /** Next error; checks its code when given. */
  async error(code?: string, timeoutMs = 2000): Promise<OfType<ServerMessage, 'error'>> {
    const err = await this.next('error', timeoutMs);
    if (code !== undefined && err.code !== code) {
      throw new Error(`[${this.label}] expected error ${code}, got ${JSON.stringify(err)}`);
    }
    return err;
  }

  /**
   * Round-trips an app-level ping: everything the server sent this client before handling the ping
   * has arrived when this resolves.
   */
  async sync(timeoutMs = 2000): Promise<void> {
    const t = -++this.#pings;
    this.send({ type: 'ping', t });
    await this.waitFor((m) => m.type === 'pong' && m.t === t, timeoutMs, `pong ${t}`);
  }

  /** Closes (normal closure) and waits for the close to finish. */
  async close(code = 1000): Promise<CloseInfo> {
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) {
      this.ws.close(code);
    }
    return this.closed;
  }

  /** Drops the TCP connection without a close frame (a "network loss"). */
  async drop(): Promise<CloseInfo> {
    this.ws.terminate();
    return this.closed;
  }
}

/** Closes every client still open; for `afterEach`. */
export async function closeAllClients(): Promise<void> {
  await Promise.all([...open].map((c) => c.drop()));
}

/**
 * Waits until `cond()` is true, re-checking on every turn of the event loop (no fixed sleeps).
 * For state that has no event to wait on, e.g. a server-side counter.
 */
export async function waitUntil(cond: () => boolean, timeoutMs = 2000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
