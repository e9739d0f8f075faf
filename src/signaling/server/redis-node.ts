/**
 * One node's life in a Redis cluster of randchat servers (used by redis-broker.ts):
 * - liveness: `{ns}:n:<node>` is set with a short TTL (3 s) every second, with the node in `{ns}:nodes`;
 * - relay: the node's own pub/sub channel, on a connection of its own (redis-subscriber.ts);
 * - janitor: every 500 ms one node (lock `{ns}:janitor`) looks for nodes whose liveness key is gone
 *   and ends their sessions (partners get `partner-left{disconnected}`), then forgets the node;
 * - recovery: after Redis was unreachable, socket losses seen meanwhile are replayed; if Redis lost its
 *   data (`{ns}:boot` changed), the node writes back the sessions it owns and their matches; sessions
 *   whose record is gone or now owned elsewhere (the janitor took this node for dead) are closed
 *   with ERR_UNAVAILABLE and 1013 so that their clients come back.
 */
import { randomBytes } from 'node:crypto';
import type { Timer } from '../../util/clock.js';
import type { BrokerContext } from './broker.js';
import type { RoundTrips, RoundTripKind } from './redis-metrics.js';
import type { RcRedis, RedisKeys } from './redis-scripts.js';
import { RedisSubscriber } from './redis-subscriber.js';
import { sessionFields, type CachedSession } from './redis-commit.js';
import { parseMatch, parseSession } from './redis-snapshot.js';
import type { ClientEvent, SessionId } from './state.js';

/** What the keeper needs from its broker. */
export interface RedisNodeHost {
  readonly keys: RedisKeys;
  readonly me: string;
  readonly redis: RcRedis;
  readonly ctx: BrokerContext;
  readonly trips: RoundTrips;
  readonly owned: Map<SessionId, CachedSession>;
  readonly local: Set<SessionId>;
  readonly pendingLost: Set<SessionId>;
  dispatch(event: ClientEvent): void;
  run(event: { type: 'node-dead'; session: SessionId; node: string }): Promise<void>;
  /** One message from this node's channel, as published. */
  receive(text: string): void;
  unavailable(session: SessionId, ref: string, closeSocket: boolean): void;
}

export interface KeeperOptions {
  ttlMs: number;
  everyMs: number;
  janitorEveryMs: number;
  commandTimeoutMs: number;
}

export class NodeKeeper {
  readonly commandTimeoutMs: number;
  /** Candidates of a node whose liveness key has less left than this are not picked (stale node). */
  readonly minTtlMs: number;
  readonly #host: RedisNodeHost;
  readonly #opts: KeeperOptions;
  readonly #sub: RedisSubscriber;
  readonly #beatTimer: Timer;
  readonly #janitorTimer: Timer;
  #healthy = false;
  #healthySince = 0;
  #lastBeat = 0;
  #boot: string | null = null;
  #beating = false;
  #sweeping = false;

  constructor(host: RedisNodeHost, url: string, opts: KeeperOptions) {
    this.#host = host;
    this.#opts = opts;
    this.commandTimeoutMs = opts.commandTimeoutMs;
    this.minTtlMs = Math.max(1, opts.ttlMs - 2 * opts.everyMs);
    const { clock, logger } = host.ctx;
    this.#sub = new RedisSubscriber({
      url,
      name: `randchat-${host.me}-sub`,
      channel: host.keys.channel(host.me),
      clock,
      logger,
      timeoutMs: opts.commandTimeoutMs,
      onMessage: (text) => host.receive(text),
    });
    this.#beatTimer = clock.setInterval(() => void this.#beat(), opts.everyMs);
    this.#janitorTimer = clock.setInterval(() => void this.#janitor(), opts.janitorEveryMs);
    host.redis.on('ready', () => void this.#beat());
  }

  async ready(): Promise<boolean> {
    try {
      return (await this.#trip('liveness', () => this.#host.redis.ping())) === 'PONG' && this.#boot !== null;
    } catch {
      return false;
    }
  }

  noteFailure(): void {
    this.#healthy = false;
  }

  async close(): Promise<void> {
    const { clock } = this.#host.ctx;
    clock.clearInterval(this.#beatTimer);
    clock.clearInterval(this.#janitorTimer);
    // Gone at once rather than after the TTL: the janitor hands our sessions' partners back sooner.
    await this.#trip('liveness', () => this.#host.redis.del(this.#host.keys.alive(this.#host.me))).catch(
      () => undefined,
    );
    this.#sub.close();
  }

  #trip<T>(kind: RoundTripKind, run: () => Promise<T>): Promise<T> {
    return this.#host.trips.time(kind, run);
  }

  async #beat(): Promise<void> {
    const { redis, keys, me, ctx } = this.#host;
    if (this.#beating) return;
    this.#beating = true;
    try {
      const res = await this.#trip('liveness', () =>
        redis
          .multi()
          .set(keys.alive(me), String(Date.now()), 'PX', this.#opts.ttlMs)
          .sadd(keys.nodes, me)
          .get(keys.boot)
          .exec(),
      );
      const boot = (res?.[2]?.[1] ?? null) as string | null;
      const lost = this.#boot !== null && boot !== this.#boot;
      if (boot === null || lost) {
        await this.#trip('liveness', () => redis.set(keys.boot, randomBytes(9).toString('base64url'), 'NX'));
      }
      this.#boot = boot !== null && !lost ? boot : await this.#trip('liveness', () => redis.get(keys.boot));
      if (lost) {
        ctx.logger.warn('redis lost its data; re-registering this node’s sessions', { node: me });
        await this.#reregister();
      }
      const stalled = this.#lastBeat > 0 && Date.now() - this.#lastBeat > this.#opts.ttlMs;
      this.#lastBeat = Date.now();
      if (!this.#healthy || stalled) {
        this.#healthy = true;
        this.#healthySince = Date.now();
        await this.#recover();
      }
    } catch (err) {
      if (this.#healthy) ctx.logger.warn('redis unreachable', { err });
      this.#healthy = false;
    } finally {
      this.#beating = false;
    }
  }

  async #reregister(): Promise<void> {
    const { redis, keys, me, owned, ctx } = this.#host;
    const m = redis.multi();
    const now = ctx.clock.now();
    for (const [id, { json, match, ver }] of owned) {
      const s = parseSession(json);
      // The version goes on from the cached one, so that the caches' ordering still holds.
      m.hset(keys.session(id), ...sessionFields(s, me, ver));
      m.set(keys.token(s.resumeToken), id).sadd(keys.owned(me), id);
      if (s.status === 'waiting') {
        m.sadd(keys.queue, id);
        for (const i of s.interests) m.sadd(keys.interest(i), id);
        const opensAt = s.waitingSince + ctx.config.interestWindowMs;
        if (s.interests.length === 0 || opensAt <= now) m.sadd(keys.open, id);
        else m.zadd(keys.picky, opensAt, id);
      }
      if (match) {
        const r = parseMatch(match);
        const key = keys.match(r.id);
        m.hsetnx(key, 'j', match).hsetnx(key, 'v', '1').hsetnx(key, 'a', r.a).hsetnx(key, 'b', r.b);
      }
    }
    await this.#trip('liveness', () => m.exec());
  }

  /** Replays socket losses and closes sessions Redis no longer has for this node. */
  async #recover(): Promise<void> {
    const host = this.#host;
    for (const session of [...host.pendingLost]) {
      host.pendingLost.delete(session);
      host.dispatch({ type: 'socket-lost', session });
    }
    const ids = [...host.local];
    if (ids.length === 0) return;
    const p = host.redis.pipeline();
    for (const id of ids) p.hget(host.keys.session(id), 'n');
    const res = (await this.#trip('liveness', () => p.exec())) ?? [];
    ids.forEach((id, i) => {
      const [err, node] = res[i] ?? [null, null];
      if (err || node === host.me || !host.local.has(id)) return;
      host.owned.delete(id);
      host.unavailable(id, 'hello', true);
    });
  }

  async #janitor(): Promise<void> {
    const { redis, keys, me, ctx } = this.#host;
    // After an outage every live node refreshes its key within one period (at once on reconnect);
    // until two periods have passed, a missing key may just mean "not refreshed yet".
    const settled = Date.now() - this.#healthySince >= 2 * this.#opts.everyMs;
    if (!this.#healthy || !settled || this.#sweeping) return;
    this.#sweeping = true;
    try {
      const lock = await this.#trip('janitor', () => redis.set(keys.janitor, me, 'PX', 5000, 'NX'));
      if (lock !== 'OK') return;
      try {
        for (const node of await this.#trip('janitor', () => redis.smembers(keys.nodes))) {
          if (node === me || (await this.#trip('janitor', () => redis.exists(keys.alive(node)))) === 1)
            continue;
          const sessions = await this.#trip('janitor', () => redis.smembers(keys.owned(node)));
          if (sessions.length > 0)
            ctx.logger.info('janitor: node is gone', { node, sessions: sessions.length });
          await Promise.all(sessions.map((session) => this.#host.run({ type: 'node-dead', session, node })));
          if (this.#healthy) {
            await this.#trip('janitor', () =>
              redis.multi().del(keys.owned(node)).srem(keys.nodes, node).exec(),
            );
          }
        }
      } finally {
        await this.#trip('janitor', () => redis.rcUnlock(keys.janitor, me));
      }
    } catch (err) {
      ctx.logger.debug('janitor failed', { err });
    } finally {
      this.#sweeping = false;
    }
  }
}
