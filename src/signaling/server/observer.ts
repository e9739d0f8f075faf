/**
 * What the operator sees: Prometheus metrics (a registry per server, `GET /metrics`) and one info
 * log line per lifecycle transition (connect, hello, resume, match, leave, close). It watches the
 * messages the server sends, so it works for any broker. Details go to debug; nothing is logged
 * per relayed message.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from '../../util/logger.js';
import type { ServerMessage } from '../protocol.js';
import type { BrokerStats } from './broker.js';
import type { AbuseReport, SessionId } from './state.js';

export interface ObserverSources {
  now(): number;
  connections(): number;
  stats(): BrokerStats | Promise<BrokerStats>;
}

export class ServerObserver {
  readonly registry = new Registry();
  readonly #log: Logger;
  readonly #now: () => number;
  /** When each waiting session was last queued (for the wait-time histogram). */
  readonly #queuedAt = new Map<SessionId, number>();
  readonly #opened: Counter;
  readonly #closed: Counter<'code'>;
  readonly #rejected: Counter<'reason'>;
  readonly #errors: Counter<'code'>;
  readonly #matches: Counter;
  readonly #relayed: Counter;
  readonly #reports: Counter;
  readonly #wait: Histogram;

  constructor(src: ObserverSources, logger: Logger) {
    this.#log = logger;
    this.#now = src.now;
    const registers = [this.registry];
    let stats: Promise<BrokerStats | null> | null = null;
    // One broker round trip per scrape, shared by the three gauges that need it.
    const statsOnce = (): Promise<BrokerStats | null> =>
      (stats ??= Promise.resolve()
        .then(() => src.stats())
        .catch(() => null)
        .finally(() => queueMicrotask(() => (stats = null))));
    const statGauge = (name: string, help: string, key: keyof BrokerStats): void => {
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          const s = await statsOnce();
          if (s) this.set(s[key]);
        },
      });
    };
    new Gauge({
      name: 'randchat_connections',
      help: 'Open WebSocket connections on this node',
      registers,
      collect() {
        this.set(src.connections());
      },
    });
    statGauge('randchat_sessions', 'Live sessions, including those in their grace window', 'sessions');
    statGauge('randchat_waiting', 'Sessions waiting in the queue', 'waiting');
    statGauge('randchat_matches_active', 'Active matches', 'matches');
    this.#opened = new Counter({
      name: 'randchat_connections_total',
      help: 'Accepted connections',
      registers,
    });
    this.#closed = new Counter({
      name: 'randchat_connections_closed_total',
      help: 'Closed connections by WebSocket close code',
      labelNames: ['code'],
      registers,
    });
    this.#rejected = new Counter({
      name: 'randchat_connections_rejected_total',
      help: 'Connections refused (origin, ban, per-IP limit)',
      labelNames: ['reason'],
      registers,
    });
    this.#errors = new Counter({
      name: 'randchat_errors_total',
      help: 'Error messages sent to clients, by code',
      labelNames: ['code'],
      registers,
    });
    this.#matches = new Counter({ name: 'randchat_matches_total', help: 'Matches made', registers });
    this.#relayed = new Counter({
      name: 'randchat_signals_relayed_total',
      help: 'Signal messages relayed to partners',
      registers,
    });
    this.#reports = new Counter({ name: 'randchat_reports_total', help: 'Abuse reports', registers });
    this.#wait = new Histogram({
      name: 'randchat_match_wait_seconds',
      help: 'Time from queued to matched',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
  }

  /** The Prometheus text exposition. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  connected(conn: number, ipHash: string): void {
    this.#opened.inc();
    this.#log.info('connect', { conn, ipHash });
  }

  rejected(reason: 'origin' | 'banned' | 'per-ip', ipHash: string): void {
    this.#rejected.inc({ reason });
    this.#log.info('connection refused', { reason, ipHash });
  }

  closed(conn: number, session: SessionId | null, code: number): void {
    this.#closed.inc({ code: String(code) });
    if (session !== null) this.#queuedAt.delete(session);
    this.#log.info('close', { conn, session, code });
  }

  /** Every message the server sends goes through here. */
  sent(conn: number, session: SessionId | null, msg: ServerMessage): void {
    switch (msg.type) {
      case 'signal':
        return void this.#relayed.inc();
      case 'error':
        this.#errors.inc({ code: msg.code });
        return this.#log.debug('error sent', { conn, session, code: msg.code, ref: msg.ref });
      case 'queued':
        if (session !== null) this.#queuedAt.set(session, this.#now());
        return;
      case 'matched': {
        const at = session === null ? undefined : this.#queuedAt.get(session);
        if (at !== undefined) {
          this.#queuedAt.delete(session!);
          this.#wait.observe((this.#now() - at) / 1000);
        }
        if (msg.role === 'offerer') this.#matches.inc();
        return this.#log.info('match', { session, matchId: msg.matchId, role: msg.role });
      }
      case 'welcome':
        return this.#log.info(msg.resumed ? 'resume' : 'hello', {
          conn,
          session,
          inMatch: msg.match !== null,
        });
      case 'partner-left':
        return this.#log.info('leave', { session, matchId: msg.matchId, reason: msg.reason });
      case 'rebuild':
      case 'partner-reconnecting':
      case 'partner-resumed':
        return this.#log.debug(msg.type, { session, matchId: msg.matchId });
      case 'pong':
      case 'shutdown':
        return;
      default: {
        const never: never = msg;
        return this.#log.debug('sent', { msg: never });
      }
    }
  }

  /** A signal was relayed as pre-encoded text (it never passes through `sent`). */
  relayed(): void {
    this.#relayed.inc();
  }

  report(r: AbuseReport): void {
    this.#reports.inc();
    this.#log.warn('abuse report', { ...r });
  }
}
