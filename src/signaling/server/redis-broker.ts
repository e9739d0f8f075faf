/**
 * The multi-node broker: queue, sessions, pairs and resume tokens in Redis, shared by every node.
 *
 * Design (docs/scaling.md has the key layout and the failure cases):
 * - One event = `load` (Lua: a consistent snapshot of what it can touch) → the pure `step` on that
 *   snapshot → `commit` (Lua: the writes, applied only if every record written still has the version
 *   that was loaded, else the event runs again). The matching rules therefore live only in
 *   matchmaker.ts and pairing.ts; Redis holds data and makes each event atomic. Pairing is atomic:
 *   a commit takes both strangers out of the queue and writes the match, or does nothing.
 * - Effects go to the node that owns the recipient's socket: locally through the Delivery, or on that
 *   node's pub/sub channel (one channel per node). The same envelope keeps each node's copy of its
 *   sessions fresh, which it writes back if Redis ever loses its data.
 * - Events of one session run one at a time, in order; timers live on the node that scheduled them
 *   and are checked against the deadline stored in Redis when they fire (stale ones are dropped).
 * - The batched load → step → commit flow is in redis-batch.ts; liveness, the janitor and recovery
 *   in redis-node.ts; the relay (pub/sub, the signal fast path) in redis-relay.ts; round-trip
 *   metrics in redis-metrics.ts. This file is the Broker: ordering per session, timers, failures.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCodes } from '../../errors.js';
import type { Timer } from '../../util/clock.js';
import type { Broker, BrokerContext, BrokerFactory, BrokerStats } from './broker.js';
import { CloseCodes } from './close-codes.js';
import { BatchRunner, type AnyEvent, type BatchHost } from './redis-batch.js';
import type { CachedSession, CommitPlan } from './redis-commit.js';
import { RoundTrips } from './redis-metrics.js';
import { NodeKeeper, type RedisNodeHost } from './redis-node.js';
import { FastPublisher } from './redis-publisher.js';
import { Relay, SIGNAL_PREFIX, type Envelope } from './redis-relay.js';
import { createRedisClient, RedisKeys, type RcRedis } from './redis-scripts.js';
import type { Snapshot } from './redis-snapshot.js';
import type { ClientEvent, Effect, SessionId } from './state.js';

export { UnavailableError, type AnyEvent } from './redis-batch.js';

export interface RedisBrokerOptions {
  /** `redis://host:port[/db]`. */
  url: string;
  /** Key namespace; every key is `{namespace}:…`. Default `rc`. */
  namespace?: string;
  /** This node's id. Default: random. */
  nodeId?: string;
  /** Liveness key TTL. Default 3000 ms. */
  livenessTtlMs?: number;
  /** How often the liveness key is refreshed (and the data-loss check runs). Default 1000 ms. */
  livenessEveryMs?: number;
  /** How often the janitor looks for dead nodes. Default 500 ms. */
  janitorEveryMs?: number;
  /** A Redis command that takes longer fails the client's request with ERR_UNAVAILABLE. Default 1000 ms. */
  commandTimeoutMs?: number;
}

export class RedisBroker implements Broker, RedisNodeHost, BatchHost {
  readonly keys: RedisKeys;
  readonly me: string;
  readonly redis: RcRedis;
  readonly ctx: BrokerContext;
  /** Round-trip counters and latency histogram (on the server's registry). */
  readonly trips: RoundTrips;
  /** The relay's publishing connection (replies off; redis-publisher.ts). */
  readonly publisher: FastPublisher;
  /** Sessions this node owns → their record and match JSON as last committed (for recovery and stats). */
  readonly owned = new Map<SessionId, CachedSession>();
  /** Sessions with a socket on this node. */
  readonly local = new Set<SessionId>();
  /** Socket losses that could not be recorded while Redis was away; replayed on recovery. */
  readonly pendingLost = new Set<SessionId>();
  readonly #chains = new Map<string, Promise<void>>();
  readonly #batches: BatchRunner;
  readonly #relay: Relay;
  readonly #timers = new Map<string, Timer>();
  readonly #keeper: NodeKeeper;
  #closed = false;

  constructor(ctx: BrokerContext, opts: RedisBrokerOptions) {
    this.ctx = ctx;
    this.keys = new RedisKeys(opts.namespace ?? 'rc');
    this.me = opts.nodeId ?? randomBytes(6).toString('base64url');
    this.trips = new RoundTrips(ctx.registry);
    const timeout = opts.commandTimeoutMs ?? 1000;
    this.redis = createRedisClient(opts.url, timeout, `randchat-${this.me}`);
    this.redis.on('error', (err) => ctx.logger.debug('redis error', { err }));
    this.publisher = new FastPublisher({
      url: opts.url,
      name: `randchat-${this.me}-pub`,
      clock: ctx.clock,
      logger: ctx.logger,
      timeoutMs: timeout,
      onLost: (sender) => {
        if (!this.#closed) this.#relay.lost(sender);
      },
      onProbe: (ms) => this.trips.observe('publish', ms),
    });
    this.#relay = new Relay(this);
    this.#batches = new BatchRunner(this);
    this.#keeper = new NodeKeeper(this, opts.url, {
      ttlMs: opts.livenessTtlMs ?? 3000,
      everyMs: opts.livenessEveryMs ?? 1000,
      janitorEveryMs: opts.janitorEveryMs ?? 500,
      commandTimeoutMs: timeout,
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  dispatch(event: ClientEvent): Promise<void> | undefined {
    if (this.#closed) return;
    if (event.type === 'socket-lost') this.local.delete(event.session);
    if (event.type === 'signal' && !this.#chains.has(`s:${event.session}`)) {
      // The hot path: nothing of this session in flight, so the relay may run it at once; it only
      // needs the chain when it has to go through Redis.
      try {
        const slow = this.#relay.signal(event);
        return slow && this.#chain(event, () => slow);
      } catch (err) {
        this.ctx.logger.error('redis broker: signal failed', { err });
        return;
      }
    }
    if (event.type === 'signal')
      return this.#chain(event, () => this.#relay.signal(event) ?? Promise.resolve());
    return this.#chain(event, () => this.run(event));
  }

  /** Runs one event to completion (load → step → commit → deliver, see redis-batch.ts); never throws. */
  run(event: AnyEvent, at?: number): Promise<void> {
    return this.#batches.run(event, at);
  }

  /** The Redis command timeout and the liveness a candidate's node must have left. */
  get limits(): { commandTimeoutMs: number; minTtlMs: number } {
    return this.#keeper;
  }

  /** Carries out a committed batch's effects (BatchHost). */
  apply(effects: readonly Effect[], plan: CommitPlan, snap: Snapshot): void {
    this.#relay.apply(effects, plan, snap);
  }

  stats(): BrokerStats {
    let waiting = 0;
    const matches = new Set<string>();
    for (const { json } of this.owned.values()) {
      const { status, matchId } = JSON.parse(json) as { status: string; matchId: string | null };
      if (status === 'waiting') waiting += 1;
      if (matchId !== null) matches.add(matchId);
    }
    return { sessions: this.owned.size, waiting, matches: matches.size };
  }

  ready(): Promise<boolean> {
    return this.#keeper.ready();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers.values()) this.ctx.clock.clearTimeout(t);
    this.#timers.clear();
    await this.#keeper.close();
    this.publisher.close();
    this.redis.disconnect();
  }

  /** Delivers one relay message from another node (called by the subscriber). */
  receive(text: string): void {
    if (text.startsWith(SIGNAL_PREFIX)) return this.#relay.receiveSignals(text);
    this.#relay.receive(JSON.parse(text) as Envelope[]);
  }

  /** Carries out a timer effect of `step` (the relay calls it for `schedule` and `cancel`). */
  timer(fx: Extract<Effect, { type: 'schedule' | 'cancel' }>): void {
    const { clock } = this.ctx;
    clock.clearTimeout(this.#timers.get(fx.key));
    this.#timers.delete(fx.key);
    if (fx.type === 'cancel') return;
    const { event, at } = fx;
    const timer = clock.setTimeout(
      () => {
        this.#timers.delete(fx.key);
        if (!this.#closed) void this.#chain(event, () => this.run(event, at));
      },
      Math.max(0, at - clock.now()),
    );
    this.#timers.set(fx.key, timer);
  }

  /** Tells a local client Redis is unavailable; with `closeSocket`, closes it (1013) to come back later. */
  unavailable(session: SessionId, ref: string, closeSocket: boolean): void {
    const { delivery } = this.ctx;
    const message = 'matchmaking is temporarily unavailable; try again shortly';
    delivery.send(session, { type: 'error', code: ErrorCodes.UNAVAILABLE, message, ref });
    if (closeSocket) {
      this.local.delete(session);
      delivery.close(session, CloseCodes.TRY_AGAIN_LATER, 'try again later');
    }
  }

  /** Runs `fn` after the session's (or connection's) previous event; resolves when it is done. */
  #chain(event: AnyEvent, fn: () => Promise<void>): Promise<void> {
    const key = 'session' in event ? `s:${event.session}` : `c:${event.conn}`;
    const prev = this.#chains.get(key);
    const next = (prev ? prev.then(fn) : fn()).catch((err: unknown) => {
      this.ctx.logger.error('redis broker: event handler failed', { event: event.type, err });
    });
    this.#chains.set(key, next);
    void next.then(() => {
      if (this.#chains.get(key) === next) this.#chains.delete(key);
    });
    return next;
  }

  /** Looks for a partner again after a commit that may have raced another node's (BatchHost). */
  wake(session: SessionId): void {
    if (this.#closed) return;
    const event = { type: 'wake', session } as const;
    void this.#chain(event, () => this.run(event));
  }

  /** An event could not run: tell the client, or keep it for later (BatchHost). */
  failed(event: AnyEvent, at: number | undefined, err: unknown): void {
    if (this.#closed) return;
    this.ctx.logger.warn('redis broker: event failed', { event: event.type, err });
    this.#keeper.noteFailure();
    switch (event.type) {
      case 'hello':
      case 'resume': {
        const tmp = `unavailable:${this.me}:${event.conn}`;
        this.ctx.delivery.bind(event.conn, tmp);
        return this.unavailable(tmp, 'hello', true);
      }
      case 'socket-lost':
        this.pendingLost.add(event.session);
        return;
      case 'grace-expired':
      case 'interest-window-expired':
      case 'wake': {
        const retry = this.ctx.clock.setTimeout(
          () => void this.#chain(event, () => this.run(event, at)),
          1000,
        );
        this.#timers.set(`retry:${event.type}:${event.session}`, retry);
        return;
      }
      case 'node-dead':
        return;
      default:
        if (this.local.has(event.session)) this.unavailable(event.session, event.type, false);
    }
  }
}

/** `startServer({ broker: redisBroker({ url }) })`. */
export const redisBroker =
  (opts: RedisBrokerOptions): BrokerFactory =>
  (ctx) =>
    new RedisBroker(ctx, opts);
