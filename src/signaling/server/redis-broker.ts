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
 * - Liveness, the janitor and recovery are in redis-node.ts.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCodes } from '../../errors.js';
import type { Timer } from '../../util/clock.js';
import type { Broker, BrokerContext, BrokerFactory, BrokerStats } from './broker.js';
import { CloseCodes } from './close-codes.js';
import { step } from './matchmaker.js';
import { NodeKeeper, type RedisNodeHost } from './redis-node.js';
import { Relay, type Envelope } from './redis-relay.js';
import { createRedisClient, RedisKeys, type RcRedis } from './redis-scripts.js';
import {
  buildState,
  needsFullSample,
  OPEN_SAMPLE,
  OPEN_SAMPLE_SMALL,
  parseLoad,
  planCommit,
  SHARING_LOAD_CAP,
  type CachedSession,
  type Snapshot,
} from './redis-snapshot.js';
import type { ClientEvent, Effect, MatchEvent, SessionId } from './state.js';

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

/** Internal event: the janitor removing a session of a dead node. */
type NodeDead = { type: 'node-dead'; session: SessionId; node: string };
export type AnyEvent = MatchEvent | NodeDead;

const MAX_ATTEMPTS = 30;
/** At most this many events share one snapshot and one commit. */
const MAX_BATCH = 64;
interface Job {
  event: AnyEvent;
  at: number | undefined;
  done: () => void;
}
/** Events that never put anyone in the queue: their snapshot skips the queue sample. */
const NO_QUEUE = new Set<string>([
  'leave',
  'bye',
  'socket-lost',
  'grace-expired',
  'signal',
  'rebuild',
  'node-dead',
]);

const TIMER = new Set<string>(['grace-expired', 'interest-window-expired']);

export class UnavailableError extends Error {
  readonly code = ErrorCodes.UNAVAILABLE;
}

export class RedisBroker implements Broker, RedisNodeHost {
  readonly keys: RedisKeys;
  readonly me: string;
  readonly redis: RcRedis;
  readonly ctx: BrokerContext;
  /** Sessions this node owns → their record and match JSON as last committed (for recovery and stats). */
  readonly owned = new Map<SessionId, CachedSession>();
  /** Sessions with a socket on this node. */
  readonly local = new Set<SessionId>();
  /** Socket losses that could not be recorded while Redis was away; replayed on recovery. */
  readonly pendingLost = new Set<SessionId>();
  readonly #chains = new Map<string, Promise<void>>();
  readonly #pending: Job[] = [];
  readonly #relay: Relay;
  #batching = false;
  readonly #timers = new Map<string, Timer>();
  readonly #keeper: NodeKeeper;
  #closed = false;

  constructor(ctx: BrokerContext, opts: RedisBrokerOptions) {
    this.ctx = ctx;
    this.keys = new RedisKeys(opts.namespace ?? 'rc');
    this.me = opts.nodeId ?? randomBytes(6).toString('base64url');
    const timeout = opts.commandTimeoutMs ?? 1000;
    this.redis = createRedisClient(opts.url, timeout, `randchat-${this.me}`);
    this.redis.on('error', (err) => ctx.logger.debug('redis error', { err }));
    this.#relay = new Relay(this);
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

  dispatch(event: ClientEvent): void {
    if (this.#closed) return;
    if (event.type === 'socket-lost') this.local.delete(event.session);
    if (event.type === 'signal') this.#chain(event, () => this.#relay.signal(event));
    else this.#chain(event, () => this.run(event));
  }

  /**
   * Runs one event to completion (load → step → commit → deliver); never throws. Events waiting
   * while a batch is in flight go together in the next one: one snapshot, `step` on each in turn,
   * one commit (so events of one node never conflict with each other).
   */
  run(event: AnyEvent, at?: number): Promise<void> {
    return new Promise((done) => {
      this.#pending.push({ event, at, done });
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#batching || this.#pending.length === 0) return;
    this.#batching = true;
    const jobs = this.#pending.splice(0, MAX_BATCH);
    void this.#runBatch(jobs).finally(() => {
      this.#batching = false;
      this.#kick();
    });
  }

  async #runBatch(jobs: Job[]): Promise<void> {
    try {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        if (await this.#attempt(jobs)) return;
        // Lost a race with another node's commit: back off a little, at random, and run it again.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(attempt, 5)));
      }
      throw new UnavailableError(`too much contention (${MAX_ATTEMPTS} conflicting attempts)`);
    } catch (err) {
      for (const j of jobs) this.#failed(j.event, j.at, err);
    } finally {
      for (const j of jobs) j.done();
    }
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
    this.redis.disconnect();
  }

  /** Delivers one relay message from another node (called by the subscriber). */
  receive(entries: Envelope[]): void {
    this.#relay.receive(entries);
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
        if (!this.#closed) this.#chain(event, () => this.run(event, at));
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

  #chain(event: AnyEvent, fn: () => Promise<void>): void {
    const key = 'session' in event ? `s:${event.session}` : `c:${event.conn}`;
    const prev = this.#chains.get(key);
    const next = prev ? prev.then(fn) : fn();
    this.#chains.set(key, next);
    void next.then(() => {
      if (this.#chains.get(key) === next) this.#chains.delete(key);
    });
  }

  async #attempt(jobs: Job[]): Promise<boolean> {
    if (this.#closed) return true;
    const nowOf = (j: Job): number => Math.max(this.ctx.clock.now(), j.at ?? -Infinity);
    for (let sample = OPEN_SAMPLE_SMALL; ; sample = OPEN_SAMPLE) {
      const snap = await this.#load(jobs, Math.max(...jobs.map(nowOf)), sample);
      const st = buildState(snap, this.ctx.config);
      const effects: Effect[] = [];
      let retry = false;
      jobs.forEach((job, i) => {
        const sid = snap.sids[i] ?? null;
        const ev = this.#prepare(job, sid, snap);
        if (!ev) return;
        const now = nowOf(job);
        effects.push(...step(st, ev, now, this.ctx.rng).effects);
        if (sample < OPEN_SAMPLE && needsFullSample(snap, sid, st, sample, now)) retry = true;
      });
      if (retry) continue;
      const plan = planCommit(snap, st, effects, this.me, this.keys);
      if (plan.ops.length > 0) {
        const deadline = Date.now() + this.#keeper.commandTimeoutMs;
        const req = JSON.stringify({ c: plan.checks, o: plan.ops });
        const r = await this.redis.rcCommit(this.keys.queue, String(deadline), req);
        if (r === 0) return false;
        if (r !== 1) throw new UnavailableError('redis answered too late');
      }
      this.#relay.apply(effects, plan, snap);
      return true;
    }
  }

  /** The event to step on, or null when it has become moot. */
  #prepare({ event, at }: Job, sid: string | null, snap: Snapshot): MatchEvent | null {
    const s = sid === null ? undefined : snap.sessions.get(sid);
    if (event.type === 'node-dead') {
      // Still owned by the dead node: its socket is gone for good, so no grace window.
      if (!s || s.node !== event.node) return null;
      s.rec.connected = false;
      return { type: 'grace-expired', session: event.session };
    }
    // Input from a socket this node no longer owns (the session resumed elsewhere meanwhile) is
    // stale, like a socket-lost from a replaced connection on one node.
    if (s && 'session' in event && !TIMER.has(event.type) && s.node !== this.me) return null;
    // A timer that is no longer the session's latest (rescheduled, or on another node) does nothing.
    if (event.type === 'grace-expired' && s?.graceAt !== at) return null;
    if (event.type === 'interest-window-expired' && s?.windowAt !== at) return null;
    return event;
  }

  async #load(jobs: Job[], now: number, sample: number): Promise<Snapshot> {
    const args: string[] = [];
    for (const { event } of jobs) {
      if (event.type === 'hello') {
        args.push('n', '', '0', '');
        continue;
      }
      const interests = (event.type === 'join' || event.type === 'resume') && event.interests;
      args.push(
        event.type === 'resume' ? 't' : 's',
        event.type === 'resume' ? event.resumeToken : event.session,
        NO_QUEUE.has(event.type) ? '0' : '1',
        interests ? interests.join(',') : '',
      );
    }
    if (args.every((a, i) => i % 4 !== 0 || a === 'n')) {
      return {
        sids: jobs.map(() => null),
        qv: 0,
        qsize: 0,
        osize: 0,
        sessions: new Map(),
        matches: new Map(),
      };
    }
    const { prefix, queue } = this.keys;
    const head = [
      prefix,
      String(now),
      String(sample),
      String(SHARING_LOAD_CAP),
      String(this.#keeper.minTtlMs),
    ];
    return parseLoad(await this.redis.rcLoad(queue, ...head, ...args));
  }

  #failed(event: AnyEvent, at: number | undefined, err: unknown): void {
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
      case 'interest-window-expired': {
        const retry = this.ctx.clock.setTimeout(() => this.#chain(event, () => this.run(event, at)), 1000);
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
