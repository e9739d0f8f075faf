/**
 * The event flow of the Redis broker (redis-broker.ts): events waiting on a node run in batches of
 * up to 64, each batch `load` (Lua: one consistent snapshot of what its events can touch) → the pure
 * `step` on every event in turn → `commit` (Lua: the writes, applied only if every record written
 * still has the version that was loaded, else the whole batch runs again) → effects delivered. Events
 * of one node share a snapshot and a commit, so they never conflict with each other.
 */
import { ErrorCodes } from '../../errors.js';
import type { BrokerContext } from './broker.js';
import { step } from './matchmaker.js';
import { planCommit, type CommitPlan } from './redis-commit.js';
import type { RoundTrips } from './redis-metrics.js';
import type { RcRedis, RedisKeys } from './redis-scripts.js';
import {
  buildState,
  needsFullSample,
  OPEN_SAMPLE,
  OPEN_SAMPLE_SMALL,
  parseLoad,
  SHARING_LOAD_CAP,
  type Snapshot,
} from './redis-snapshot.js';
import type { Effect, MatchEvent, SessionId } from './state.js';

/** Internal event: the janitor removing a session of a dead node. */
type NodeDead = { type: 'node-dead'; session: SessionId; node: string };
export type AnyEvent = MatchEvent | NodeDead;

export class UnavailableError extends Error {
  readonly code = ErrorCodes.UNAVAILABLE;
}

/** What the batch runner needs from its broker. */
export interface BatchHost {
  readonly ctx: BrokerContext;
  readonly keys: RedisKeys;
  readonly me: string;
  readonly redis: RcRedis;
  readonly trips: RoundTrips;
  readonly closed: boolean;
  /** Redis command timeout (commit deadline) and the liveness TTL a candidate's node must have left. */
  readonly limits: { readonly commandTimeoutMs: number; readonly minTtlMs: number };
  /** Carries out a committed batch's effects (the relay). */
  apply(effects: readonly Effect[], plan: CommitPlan, snap: Snapshot): void;
  /** An event could not run (Redis unreachable, or too much contention). */
  failed(event: AnyEvent, at: number | undefined, err: unknown): void;
  /** Runs a `wake` for the session, after its events in flight (see CommitPlan.woken). */
  wake(session: string): void;
}

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

export class BatchRunner {
  readonly #host: BatchHost;
  readonly #pending: Job[] = [];
  #batching = false;

  constructor(host: BatchHost) {
    this.#host = host;
  }

  /** Runs one event to completion (load → step → commit → deliver), in the next batch; never throws. */
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
      for (const j of jobs) this.#host.failed(j.event, j.at, err);
    } finally {
      for (const j of jobs) j.done();
    }
  }

  async #attempt(jobs: Job[]): Promise<boolean> {
    const host = this.#host;
    if (host.closed) return true;
    const { ctx, keys } = host;
    const nowOf = (j: Job): number => Math.max(ctx.clock.now(), j.at ?? -Infinity);
    for (let sample = OPEN_SAMPLE_SMALL; ; sample = OPEN_SAMPLE) {
      const snap = await this.#load(jobs, Math.max(...jobs.map(nowOf)), sample);
      const st = buildState(snap, ctx.config);
      const effects: Effect[] = [];
      let retry = false;
      jobs.forEach((job, i) => {
        const sid = snap.sids[i] ?? null;
        const ev = this.#prepare(job, sid, snap);
        if (!ev) return;
        const now = nowOf(job);
        effects.push(...step(st, ev, now, ctx.rng).effects);
        if (sample < OPEN_SAMPLE && needsFullSample(snap, sid, st, sample, now)) retry = true;
      });
      if (retry) continue;
      const plan = planCommit(snap, st, effects, host.me, keys);
      let queueMoved = false;
      if (plan.ops.length > 0) {
        const deadline = Date.now() + host.limits.commandTimeoutMs;
        const req = JSON.stringify({ c: plan.checks, o: plan.ops });
        const r = await host.trips.time('commit', () =>
          host.redis.rcCommit(keys.queue, String(deadline), req),
        );
        if (r === 0) {
          host.trips.conflict();
          return false;
        }
        if (r !== 1 && r !== 2) throw new UnavailableError('redis answered too late');
        queueMoved = r === 2;
      }
      host.apply(effects, plan, snap);
      if (queueMoved) for (const id of plan.woken) host.wake(id);
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
    if (s && 'session' in event && !TIMER.has(event.type) && s.node !== this.#host.me) return null;
    // A timer that is no longer the session's latest (rescheduled, or on another node) does nothing.
    if (event.type === 'grace-expired' && s?.graceAt !== at) return null;
    if (event.type === 'interest-window-expired' && s?.windowAt !== at) return null;
    return event;
  }

  async #load(jobs: Job[], now: number, sample: number): Promise<Snapshot> {
    const args = loadArgs(jobs.map((j) => j.event));
    if (args === null) {
      return {
        sids: jobs.map(() => null),
        qv: 0,
        qsize: 0,
        osize: 0,
        sessions: new Map(),
        matches: new Map(),
      };
    }
    const { redis, keys, limits, trips } = this.#host;
    const head = [
      keys.prefix,
      String(now),
      String(sample),
      String(SHARING_LOAD_CAP),
      String(limits.minTtlMs),
    ];
    return parseLoad(await trips.time('load', () => redis.rcLoad(keys.queue, ...head, ...args)));
  }
}

/**
 * The `load` script's per-event arguments (mode, id, wantQueue, extra interests; see rcLoad), or
 * null when no event needs anything loaded (a batch of `hello`s only).
 */
export function loadArgs(events: readonly AnyEvent[]): string[] | null {
  const args: string[] = [];
  let any = false;
  for (const event of events) {
    if (event.type === 'hello') {
      args.push('n', '', '0', '');
      continue;
    }
    any = true;
    const interests = (event.type === 'join' || event.type === 'resume') && event.interests;
    args.push(
      event.type === 'resume' ? 't' : 's',
      event.type === 'resume' ? event.resumeToken : event.session,
      NO_QUEUE.has(event.type) ? '0' : '1',
      interests ? interests.join(',') : '',
    );
  }
  return any ? args : null;
}
