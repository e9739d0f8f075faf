/**
 * Redis round trips as Prometheus metrics, on the server's registry (`GET /metrics`):
 * `randchat_redis_round_trips_total{kind}`, `randchat_redis_round_trip_errors_total{kind}` and the
 * latency histogram `randchat_redis_round_trip_seconds{kind}`. One round trip is one command, one
 * pipeline or one MULTI/EXEC. Kinds: `load` and `commit` (the two Lua scripts of an event batch),
 * `publish` (relay to another node), `liveness` (heartbeat, data-loss check, recovery, `/readyz`),
 * `janitor` (dead-node sweeps; the events it runs count as load/commit).
 * `randchat_redis_commit_conflicts_total` counts commits refused because another node's commit
 * moved a record first (the batch then runs again); `randchat_redis_published_total` counts messages
 * published to other nodes' channels. Those go out without a reply (redis-publisher.ts), so a
 * `publish` round trip is one probe that confirms the messages before it, or one `PUBLISH` sent
 * through ioredis while the fast publisher is reconnecting.
 */
import { performance } from 'node:perf_hooks';
import { Counter, Histogram, type Registry } from 'prom-client';

export type RoundTripKind = 'load' | 'commit' | 'publish' | 'liveness' | 'janitor';

/** Seconds; a healthy Redis on the same network answers in well under a millisecond. */
const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

export class RoundTrips {
  readonly #count: Counter<'kind'> | null = null;
  readonly #errors: Counter<'kind'> | null = null;
  readonly #seconds: Histogram<'kind'> | null = null;
  readonly #conflicts: Counter | null = null;
  readonly #published: Counter | null = null;

  /** Without a registry (metrics off) `time` just runs the round trip. */
  constructor(registry: Registry | undefined) {
    if (!registry) return;
    const registers = [registry];
    const labelNames = ['kind'] as const;
    this.#count = new Counter({
      name: 'randchat_redis_round_trips_total',
      help: 'Redis round trips (a command, a pipeline or a MULTI) by kind',
      labelNames,
      registers,
    });
    this.#errors = new Counter({
      name: 'randchat_redis_round_trip_errors_total',
      help: 'Redis round trips that failed (error or timeout) by kind',
      labelNames,
      registers,
    });
    this.#seconds = new Histogram({
      name: 'randchat_redis_round_trip_seconds',
      help: 'Redis round trip latency by kind',
      labelNames,
      buckets: BUCKETS,
      registers,
    });
    this.#conflicts = new Counter({
      name: 'randchat_redis_commit_conflicts_total',
      help: 'Batch commits refused because another node changed a record first (the batch runs again)',
      registers,
    });
    this.#published = new Counter({
      name: 'randchat_redis_published_total',
      help: 'Messages published to other nodes’ relay channels',
      registers,
    });
  }

  /** One message published on another node's channel. */
  published(): void {
    this.#published?.inc();
  }

  /** A round trip measured elsewhere (a probe of the fast publisher). */
  observe(kind: RoundTripKind, ms: number): void {
    this.#count?.inc({ kind });
    this.#seconds?.observe({ kind }, ms / 1000);
  }

  /** One commit lost a race with another node's. */
  conflict(): void {
    this.#conflicts?.inc();
  }

  /** Runs one round trip and records it (also when it fails). */
  time<T>(kind: RoundTripKind, run: () => Promise<T>): Promise<T> {
    if (!this.#count) return run();
    const t0 = performance.now();
    const done = (): void => this.observe(kind, performance.now() - t0);
    return run().then(
      (value) => {
        done();
        return value;
      },
      (err: unknown) => {
        done();
        this.#errors?.inc({ kind });
        throw err;
      },
    );
  }
}
