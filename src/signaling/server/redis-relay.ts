/**
 * The relay side of the Redis broker: one pub/sub channel per node. After a commit, `apply` carries
 * out the effects — locally through the Delivery when the recipient's socket is on this node, else one
 * message per node on that node's channel — and keeps the owners' copies of their sessions current.
 * `signal` is the hot path and touches no Redis state (see docs/scaling.md § Relay).
 */
import { encode, type ServerMessage } from '../protocol.js';
import type { BrokerContext } from './broker.js';
import type { RoundTrips } from './redis-metrics.js';
import { step } from './matchmaker.js';
import type { AnyEvent } from './redis-batch.js';
import type { FastPublisher } from './redis-publisher.js';
import type { RcRedis, RedisKeys } from './redis-scripts.js';
import type { CachedSession, CommitPlan } from './redis-commit.js';
import { parseMatch, parseSession, type Snapshot } from './redis-snapshot.js';
import {
  createMatchState,
  type ClientEvent,
  type Effect,
  type MatchRecord,
  type MatchState,
  type SessionId,
  type SessionRecord,
} from './state.js';

/** One entry of a relay message: a message (m), a close (c), a cache update (s) or a cache drop (d). */
export type Envelope = { t: string; m?: ServerMessage; c?: [number, string]; s?: CachedSession; d?: 1 };

/**
 * Relayed `signal`s travel in their own format rather than as Envelopes: `S` then, per signal, three
 * lines `<to>\n<matchId>\n<the server message as JSON>` (lines joined by `\n`; ids never contain
 * a newline and JSON text has no raw newline). The receiving node reads the ids and writes the JSON
 * to the socket as it is: no JSON.parse, no re-encoding. The fast path publishes each signal at
 * once, as a batch of one (coalescing a loop turn's signals per node with setImmediate saved Redis
 * CPU but cost the nodes more than it saved: docs/benchmarks.md § 5).
 */
export const SIGNAL_PREFIX = 'S';

export interface SignalFrame {
  to: SessionId;
  matchId: string;
  json: string;
}

export function signalBatch(frames: readonly SignalFrame[]): string {
  return SIGNAL_PREFIX + frames.map((f) => `${f.to}\n${f.matchId}\n${f.json}`).join('\n');
}

/** The signals of a batch (none if it is not one, or is cut short). */
export function parseSignalBatch(text: string): SignalFrame[] {
  if (text[0] !== SIGNAL_PREFIX) return [];
  const lines = text.slice(1).split('\n');
  const out: SignalFrame[] = [];
  for (let i = 0; i + 2 < lines.length; i += 3)
    out.push({ to: lines[i]!, matchId: lines[i + 1]!, json: lines[i + 2]! });
  return out;
}

/** What the relay needs from its broker. */
export interface RelayHost {
  readonly me: string;
  readonly keys: RedisKeys;
  readonly redis: RcRedis;
  readonly ctx: BrokerContext;
  readonly trips: RoundTrips;
  /** The fire-and-forget publishing connection (ioredis publishes while it is not ready). */
  readonly publisher: FastPublisher;
  readonly owned: Map<SessionId, CachedSession>;
  readonly local: Set<SessionId>;
  run(event: AnyEvent): Promise<void>;
  timer(fx: Extract<Effect, { type: 'schedule' | 'cancel' }>): void;
  unavailable(session: SessionId, ref: string, closeSocket: boolean): void;
}

export class Relay {
  readonly #host: RelayHost;
  /** Parsed copies for the fast path (a signal neither changes records nor queues anyone). */
  readonly #parsed = new WeakMap<CachedSession, { rec: SessionRecord; match: MatchRecord | null }>();
  readonly #scratch: MatchState;

  constructor(host: RelayHost) {
    this.#host = host;
    this.#scratch = createMatchState(host.ctx.config);
  }

  /** Delivers one envelope from another node's commit (called by the subscriber). */
  receive(entries: Envelope[]): void {
    const { delivery } = this.#host.ctx;
    for (const e of entries) {
      if (e.m) {
        if (e.m.type === 'signal') this.#deliverSignal(e.t, e.m);
        else if (this.#host.local.has(e.t)) delivery.send(e.t, e.m);
      } else if (e.c) {
        this.#host.local.delete(e.t);
        delivery.close(e.t, e.c[0], e.c[1]);
      } else if (e.s) {
        const mine = this.#host.owned.get(e.t);
        if (mine && mine.ver <= e.s.ver) this.#host.owned.set(e.t, e.s);
      } else if (e.d) {
        this.#host.owned.delete(e.t);
      }
    }
  }

  /**
   * The relay's fast path, with no Redis round trip: the pure `step` on this node's copy of the
   * sender's session and match (kept current by every commit and by the owners' relay messages), then
   * straight to the partner's node, which delivers only if its copy says the partner is in that match.
   * Both ends check against the copy of the node that owns that end's socket. Synchronous unless
   * this node has no copy of the sender (then it runs through Redis and returns that promise).
   */
  signal(event: Extract<ClientEvent, { type: 'signal' }>): Promise<void> | undefined {
    const c = this.#host.owned.get(event.session);
    if (!c) return this.#host.run(event);
    let parsed = this.#parsed.get(c);
    if (!parsed) {
      parsed = { rec: parseSession(c.json), match: c.match ? parseMatch(c.match) : null };
      this.#parsed.set(c, parsed);
    }
    const st = this.#scratch;
    st.sessions.clear();
    st.matches.clear();
    st.sessions.set(parsed.rec.id, parsed.rec);
    if (parsed.match) st.matches.set(parsed.match.id, parsed.match);
    for (const fx of step(st, event, this.#host.ctx.clock.now(), this.#host.ctx.rng).effects) {
      if (fx.type !== 'send') continue;
      if (fx.to === event.session) this.#host.ctx.delivery.send(fx.to, fx.msg);
      else if (c.peer === this.#host.me) this.#deliverSignal(fx.to, fx.msg);
      else if (c.peer !== null && fx.msg.type === 'signal') {
        const text = signalBatch([{ to: fx.to, matchId: fx.msg.matchId, json: encode(fx.msg) }]);
        this.#publish(c.peer, text, event.session);
      }
    }
    return undefined;
  }

  /** A signal of `sender` may not have reached Redis: it gets ERR_UNAVAILABLE (if still here). */
  lost(sender: SessionId): void {
    if (this.#host.local.has(sender)) this.#host.unavailable(sender, 'signal', false);
  }

  /**
   * Publishes on a node's channel: through the fast publisher, else through ioredis. A failure calls
   * `lost(sender)` for a signal; the fast publisher does it when its probe fails.
   */
  #publish(node: string, text: string, sender: SessionId | '' = ''): void {
    const { redis, keys, trips, publisher, ctx } = this.#host;
    trips.published();
    const channel = keys.channel(node);
    if (publisher.publish(channel, text, sender)) return;
    trips
      .time('publish', () => redis.publish(channel, text))
      .catch((err: unknown) => {
        ctx.logger.warn('relay publish failed', { node, err });
        if (sender !== '') this.lost(sender);
      });
  }

  /** Delivers a batch of signals from another node's fast path (called by the subscriber). */
  receiveSignals(text: string): void {
    const { delivery } = this.#host.ctx;
    for (const f of parseSignalBatch(text)) {
      if (this.#host.owned.get(f.to)?.matchId !== f.matchId || !this.#host.local.has(f.to)) continue;
      if (delivery.sendEncoded) delivery.sendEncoded(f.to, 'signal', f.json);
      else delivery.send(f.to, JSON.parse(f.json) as ServerMessage);
    }
  }

  #deliverSignal(to: SessionId, msg: ServerMessage): void {
    if (
      msg.type === 'signal' &&
      this.#host.owned.get(to)?.matchId === msg.matchId &&
      this.#host.local.has(to)
    ) {
      this.#host.ctx.delivery.send(to, msg);
    }
  }

  apply(effects: readonly Effect[], plan: CommitPlan, snap: Snapshot): void {
    const { delivery } = this.#host.ctx;
    const batches = new Map<string, Envelope[]>();
    // Owners as the effects unfold: a `close` before a resume's `bind` goes to the old socket's node.
    const owner = new Map<string, string>();
    for (const [id, s] of snap.sessions) owner.set(id, s.node);
    const push = (node: string, e: Envelope): void => {
      let b = batches.get(node);
      if (!b) batches.set(node, (b = []));
      b.push(e);
    };
    /** True: deliver here. Otherwise queued for the owner's channel (dropped if that node is dead). */
    const route = (session: string, e: Envelope, post = false): boolean => {
      const node = (post ? plan.owner.get(session) : owner.get(session)) ?? this.#host.me;
      if (node === this.#host.me) return true;
      if (snap.sessions.get(session)?.alive !== false) push(node, e);
      return false;
    };
    for (const [id, c] of plan.changed) {
      if ((plan.owner.get(id) ?? this.#host.me) === this.#host.me) {
        if ((this.#host.owned.get(id)?.ver ?? 0) <= c.ver) this.#host.owned.set(id, c);
      } else route(id, { t: id, s: c }, true);
    }
    for (const id of plan.removed) {
      this.#host.owned.delete(id);
      const was = snap.sessions.get(id)?.node;
      if (was !== undefined && was !== this.#host.me) push(was, { t: id, d: 1 });
    }
    for (const fx of effects) {
      switch (fx.type) {
        case 'bind':
          owner.set(fx.session, this.#host.me);
          this.#host.local.add(fx.session);
          delivery.bind(fx.conn, fx.session);
          break;
        case 'send':
          if (route(fx.to, { t: fx.to, m: fx.msg })) delivery.send(fx.to, fx.msg);
          break;
        case 'close':
          if (route(fx.to, { t: fx.to, c: [fx.code, fx.reason] })) {
            this.#host.local.delete(fx.to);
            delivery.close(fx.to, fx.code, fx.reason);
          }
          break;
        case 'schedule':
        case 'cancel':
          this.#host.timer(fx);
          break;
        case 'report':
          delivery.report?.(fx.report);
          break;
        default: {
          const never: never = fx;
          throw new Error(`unknown effect ${JSON.stringify(never)}`);
        }
      }
    }
    for (const [id, old] of plan.moved) if (old !== this.#host.me) push(old, { t: id, d: 1 });
    for (const [node, entries] of batches) this.#publish(node, JSON.stringify(entries));
  }
}
