/**
 * Drives a Broker through its interface, without sockets: a `FakeNode` is the Delivery of one server
 * node (it records what reaches each connection in an Inbox), and `FakeClient` is one connection on
 * it. Several FakeNodes can share one Redis (a cluster in one process).
 */
import type { ServerMessage } from '../../src/signaling/protocol.js';
import type { Broker, BrokerContext, BrokerFactory, Delivery } from '../../src/signaling/server/broker.js';
import { seededRng, type Rng } from '../../src/signaling/server/rng.js';
import type { ClientEvent, ConnId, MatchmakerConfig, SessionId } from '../../src/signaling/server/state.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { Inbox, type OfType } from './ws-client.js';

/** What a connection sees: server messages plus a pseudo-message when the node closes it. */
export type Seen = ServerMessage | { type: '#closed'; code: number; reason: string };

let nextConn = 1;

export class FakeNode implements Delivery {
  readonly broker: Broker;
  readonly #inboxes = new Map<ConnId, Inbox<Seen>>();
  readonly #connOf = new Map<SessionId, ConnId>();

  constructor(
    factory: BrokerFactory,
    config: Partial<MatchmakerConfig> = {},
    rng: Rng = seededRng(Math.floor(Math.random() * 2 ** 31)),
  ) {
    const ctx: BrokerContext = {
      delivery: this,
      clock: systemClock,
      rng: { random: rng.random, id: (kind) => `${kind}-${Math.random().toString(36).slice(2, 12)}` },
      logger: silentLogger,
      config: {
        graceMs: config.graceMs ?? 20_000,
        interestWindowMs: config.interestWindowMs ?? 5_000,
        welcome: config.welcome ?? { heartbeatMs: 15_000, iceServers: [], maxMessageBytes: 65_536 },
      },
    };
    this.broker = factory(ctx);
  }

  bind(conn: ConnId, session: SessionId): void {
    const inbox = this.#inboxes.get(conn);
    if (!inbox) return void this.broker.dispatch({ type: 'socket-lost', session });
    this.#connOf.set(session, conn);
  }

  send(session: SessionId, msg: ServerMessage): void {
    const conn = this.#connOf.get(session);
    if (conn !== undefined) this.#inboxes.get(conn)?.push(msg);
  }

  close(session: SessionId, code: number, reason: string): void {
    const conn = this.#connOf.get(session);
    if (conn === undefined) return;
    this.#connOf.delete(session);
    this.#inboxes.get(conn)?.push({ type: '#closed', code, reason });
    this.#inboxes.delete(conn);
  }

  /** A new connection that says hello (with a resume token when given); resolves after the welcome. */
  async connect(
    label: string,
    hello: { interests?: string[]; resumeToken?: string } = {},
  ): Promise<FakeClient> {
    const conn = nextConn++;
    const inbox = new Inbox<Seen>(label);
    this.#inboxes.set(conn, inbox);
    const c = new FakeClient(this, conn, inbox);
    if (hello.resumeToken !== undefined) {
      const ev = { type: 'resume', conn, resumeToken: hello.resumeToken } as const;
      this.broker.dispatch(hello.interests ? { ...ev, interests: hello.interests } : ev);
    } else {
      this.broker.dispatch({ type: 'hello', conn, interests: hello.interests ?? [] });
    }
    c.welcome = await c.next('welcome', 5000);
    return c;
  }

  /** The socket of `conn` is gone (no close frame). */
  drop(conn: ConnId): void {
    this.#inboxes.delete(conn);
    for (const [session, c] of this.#connOf) {
      if (c !== conn) continue;
      this.#connOf.delete(session);
      this.broker.dispatch({ type: 'socket-lost', session });
    }
  }
}

type SessionEvent = Extract<ClientEvent, { session: SessionId }>;
type Without<E> = E extends unknown ? Omit<E, 'session'> : never;

export class FakeClient {
  welcome!: OfType<ServerMessage, 'welcome'>;

  constructor(
    readonly node: FakeNode,
    readonly conn: ConnId,
    readonly inbox: Inbox<Seen>,
  ) {}

  get session(): SessionId {
    return this.welcome.sessionId;
  }

  send(event: Without<SessionEvent>): void {
    this.node.broker.dispatch({ ...event, session: this.session } as SessionEvent);
  }

  next<T extends Seen['type']>(type: T, timeoutMs = 3000): Promise<Extract<Seen, { type: T }>> {
    return this.inbox.next(type, timeoutMs);
  }

  /** Messages still queued (not consumed by `next`), by type. */
  types(): string[] {
    return this.inbox.types();
  }

  drop(): void {
    this.node.drop(this.conn);
  }
}
