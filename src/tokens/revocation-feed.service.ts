import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { BrokerError, Clock, loggableError } from '../common';
import { AuditSink } from '../audit/audit.module';
import { ExpirySweeper } from '../database';
import {
  REVOCATION_SETTINGS,
  RevocationFeedStatus,
  RevocationPublisher,
  type RevocationEvent,
  type RevocationInput,
  type RevocationSettings,
} from './revocation.types';

/** The PostgreSQL channel revocations are announced on. */
export const REVOCATION_CHANNEL = 'tessera_revocations';
/** Rows read per catch-up statement. */
const BATCH = 2000;
/** Seconds re-read behind the newest seen row on every poll: a transaction that took a lower sequence number may commit after a higher one. */
export const REVOCATION_LOOKBACK_SECONDS = 30;
const LOOKBACK_SECONDS = REVOCATION_LOOKBACK_SECONDS;

/** What a token presents to the deny set. */
export interface DenyQuery {
  jti?: string;
  sid?: string;
  familyId?: string;
  /** The principal and the token's `iat` (seconds), for "not before" revocations. */
  sub?: string;
  iat?: number;
}

interface Row {
  seq: string;
  kind: string;
  subject: string;
  principal_id: string | null;
  client_id: string | null;
  data: Record<string, unknown>;
  created_at: Date;
  expires_at: Date;
}

/**
 * The revocation stream (DESIGN.md §6 "Revocation"): every revocation is a row of `revocations`
 * (a sequence number) plus a `NOTIFY`; every instance keeps an in-memory deny set fed by `LISTEN`
 * (PostgreSQL server) and a catch-up poll (always; on embedded PGlite, whose single connection
 * cannot be held by a listener, the poll and the in-process publish are the path). The deny set is
 * consulted by userinfo, introspection and refresh; {@link assertCaughtUp} makes them fail closed
 * (503 `revocation.feed_lagged`) when the instance has not read the stream within the bound.
 *
 * Implements {@link RevocationPublisher} and {@link RevocationFeedStatus} (both exported ports).
 */
@Injectable()
export class RevocationFeed implements RevocationPublisher, RevocationFeedStatus, OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('revocations');
  private readonly jtis = new Map<string, number>();
  private readonly families = new Map<string, number>();
  private readonly sessions = new Map<string, number>();
  private readonly notBefore = new Map<string, { at: number; until: number }>();
  private readonly applied = new Map<string, number>();
  private readonly listeners = new Set<(events: RevocationEvent[]) => void>();
  private highestSeq = 0;
  private newestCreatedAt = 0;
  private caughtUpAt = performance.now();
  private timer?: NodeJS.Timeout;
  private listener?: Client;
  private polling?: Promise<void>;
  private pollAgain = false;
  private stopped = false;
  /** True after the start-up read: only revocations applied from then on measure propagation lag. */
  private live = false;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(REVOCATION_SETTINGS) private readonly settings: RevocationSettings,
    @Inject(ExpirySweeper) sweeper: ExpirySweeper,
    @Optional() @Inject(AuditSink) private readonly audit?: AuditSink,
  ) {
    sweeper.register({ table: 'revocations', column: 'expires_at', graceSeconds: 3600 });
  }

  /** Reads every live revocation before the app serves requests. */
  async onModuleInit(): Promise<void> {
    await this.catchUp();
  }

  /** Starts the listener (PostgreSQL server only) and the catch-up poll. */
  async onApplicationBootstrap(): Promise<void> {
    this.stopped = false;
    this.live = true;
    const url = (this.dataSource.options as { url?: string }).url;
    if (url) await this.listen(url);
    this.timer = setInterval(() => void this.catchUp().catch(() => undefined), this.settings.pollIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.polling?.catch(() => undefined);
    await this.listener?.end().catch(() => undefined);
  }

  /**
   * Publishes one event: INSERT with its sequence number plus `pg_notify`, in `manager`'s
   * transaction when given (then call {@link catchUp} after commit for this instance, others hear
   * the NOTIFY), else in its own statement and applied here at once.
   * @returns the sequence number.
   */
  async publish(event: RevocationInput, manager?: EntityManager): Promise<string> {
    const db = manager ?? this.dataSource;
    const rows = (await db.query(
      `WITH ins AS (
         INSERT INTO revocations (kind, subject, principal_id, client_id, data, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *
       ) SELECT ins.*, pg_notify($8, ins.seq::text) FROM ins`,
      [event.kind, event.subject, event.principalId ?? null, event.clientId ?? null, JSON.stringify(event.data ?? {}), this.clock.now(), event.expiresAt, REVOCATION_CHANNEL],
    )) as Row[];
    if (!manager) this.apply(rows);
    return String(rows[0].seq);
  }

  /** True when any revocation covers the token described by `q`. */
  isRevoked(q: DenyQuery): boolean {
    const now = this.clock.nowSeconds();
    const live = (m: Map<string, number>, k: string | undefined) => k !== undefined && (m.get(k) ?? 0) > now;
    if (live(this.jtis, q.jti) || live(this.sessions, q.sid) || live(this.families, q.familyId)) return true;
    if (q.sub !== undefined && q.iat !== undefined) {
      const nb = this.notBefore.get(q.sub);
      if (nb && nb.until > now && q.iat < nb.at) return true;
    }
    return false;
  }

  /** @throws BrokerError `revocation.feed_lagged` (503) when this instance is behind the stream. */
  assertCaughtUp(): void {
    if (!this.caughtUp()) throw new BrokerError('revocation.feed_lagged', `revocation feed lagged ${Math.round(this.lagMs())} ms`);
  }

  /** Milliseconds since the stream was last read to its end. */
  lagMs(): number {
    return Math.max(0, performance.now() - this.caughtUpAt);
  }

  /** False once the lag passes the bound. */
  caughtUp(): boolean {
    return this.lagMs() <= this.settings.maxLagMs;
  }

  /**
   * Events after `since` (exclusive), oldest first, at most `limit` (for `GET /revocations`).
   * With `recentToo`, also the events below `since` created within the look-back
   * ({@link REVOCATION_LOOKBACK_SECONDS}): one that committed after the receiver saw a higher
   * number (a reconnecting stream; duplicates are the receiver's to drop by `seq`).
   * Reads the database, so every instance serves the same feed; with `manager`, inside that
   * transaction (the CAEP poll reads under its receiver's row lock).
   */
  async since(since: number, limit = 500, opts: { recentToo?: boolean; manager?: EntityManager } = {}): Promise<RevocationEvent[]> {
    const now = this.clock.now();
    const db = opts.manager ?? this.dataSource;
    const rows = (opts.recentToo
      ? await db.query(`SELECT * FROM revocations WHERE (seq > $1 OR (created_at > $4 AND seq <> $1)) AND expires_at > $2 ORDER BY seq LIMIT $3`, [since, now, limit, new Date(now.getTime() - LOOKBACK_SECONDS * 1000)])
      : await db.query(`SELECT * FROM revocations WHERE seq > $1 AND expires_at > $2 ORDER BY seq LIMIT $3`, [since, now, limit])) as Row[];
    return rows.map(toEvent);
  }

  /**
   * The unexpired events with the given sequence numbers (decimal strings), ascending; unknown or
   * expired numbers are absent. With `manager`, read inside that transaction.
   */
  async bySeq(seqs: readonly string[], manager?: EntityManager): Promise<RevocationEvent[]> {
    if (seqs.length === 0) return [];
    const rows = (await (manager ?? this.dataSource).query(`SELECT * FROM revocations WHERE seq = ANY($1::bigint[]) AND expires_at > $2 ORDER BY seq`, [[...seqs], this.clock.now()])) as Row[];
    return rows.map(toEvent);
  }

  /** Subscribes to newly applied events (server-sent events). @returns the unsubscribe function. */
  subscribe(listener: (events: RevocationEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Reads the stream to its end (single flight: concurrent callers share one read, and a call
   * during a read causes one more read). Updates the lag on success.
   */
  async catchUp(): Promise<void> {
    if (this.polling) {
      this.pollAgain = true;
      return this.polling;
    }
    this.polling = (async () => {
      try {
        do {
          this.pollAgain = false;
          const started = performance.now();
          await this.readToEnd();
          this.caughtUpAt = started;
        } while (this.pollAgain && !this.stopped);
      } finally {
        this.polling = undefined;
      }
    })();
    return this.polling;
  }

  private async readToEnd(): Promise<void> {
    for (;;) {
      const lookback = new Date(this.newestCreatedAt - LOOKBACK_SECONDS * 1000);
      const rows = (await this.dataSource.query(
        `SELECT * FROM revocations WHERE (seq > $1 OR created_at > $2) AND expires_at > $3 ORDER BY seq LIMIT $4`,
        [this.highestSeq, lookback, this.clock.now(), BATCH],
      )) as Row[];
      const fresh = this.apply(rows);
      if (rows.length < BATCH || fresh === 0) return;
    }
  }

  /** Applies rows not seen before. @returns how many were new. */
  private apply(rows: Row[]): number {
    const fresh: RevocationEvent[] = [];
    let oldestWritten = Infinity;
    for (const row of rows) {
      const seq = String(row.seq);
      if (this.applied.has(seq)) continue;
      const event = toEvent(row);
      this.applied.set(seq, event.expiresAt);
      this.highestSeq = Math.max(this.highestSeq, Number(seq));
      this.newestCreatedAt = Math.max(this.newestCreatedAt, new Date(row.created_at).getTime());
      oldestWritten = Math.min(oldestWritten, new Date(row.created_at).getTime());
      if (event.kind === 'jti') this.jtis.set(event.subject, event.expiresAt);
      else if (event.kind === 'family') {
        this.families.set(event.subject, event.expiresAt);
        // The access tokens minted in the family go with it: `data.jtis` = [[jti, exp], …].
        if (Array.isArray(event.data.jtis)) for (const [jti, exp] of event.data.jtis as Array<[string, number]>) this.jtis.set(jti, exp);
      }
      else if (event.kind === 'session') this.sessions.set(event.subject, event.expiresAt);
      else if (event.kind === 'principal') {
        const at = Number(event.data.notBefore ?? event.createdAt);
        const prev = this.notBefore.get(event.subject);
        this.notBefore.set(event.subject, { at: Math.max(at, prev?.at ?? 0), until: Math.max(event.expiresAt, prev?.until ?? 0) });
      }
      fresh.push(event);
    }
    if (fresh.length > 0 && this.live && this.audit) {
      // Issue 13 item 2: the propagation lag (row written → applied here), for the metrics observer.
      const lagSeconds = Math.max(0, this.clock.now().getTime() - oldestWritten) / 1000;
      this.audit
        .record({ type: 'token.revocation_applied', outcome: 'info', details: { count: fresh.length, lagSeconds, seq: String(this.highestSeq) } })
        .catch((err: unknown) => this.log.warn({ msg: 'audit of applied revocations failed', err: loggableError(err) }));
    }
    if (fresh.length > 0) {
      this.prune();
      for (const l of this.listeners) {
        try {
          l(fresh);
        } catch (err) {
          this.log.warn({ msg: 'revocation subscriber failed', err: loggableError(err) });
        }
      }
    }
    return fresh.length;
  }

  private prune(): void {
    const now = this.clock.nowSeconds();
    for (const m of [this.jtis, this.families, this.sessions, this.applied]) {
      if (m.size < 10_000) continue;
      for (const [k, until] of m) if (until <= now) m.delete(k);
    }
  }

  private async listen(url: string): Promise<void> {
    const client = new Client({ connectionString: url });
    client.on('notification', () => void this.catchUp().catch(() => undefined));
    client.on('error', (err) => {
      this.log.warn({ msg: 'revocation listener lost its connection; polling continues', err: loggableError(err) });
      this.listener = undefined;
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${REVOCATION_CHANNEL}`);
      this.listener = client;
    } catch (err) {
      this.log.warn({ msg: 'revocation listener could not start; polling only', err: loggableError(err) });
      await client.end().catch(() => undefined);
    }
  }
}

function toEvent(row: Row): RevocationEvent {
  return {
    seq: String(row.seq),
    kind: row.kind,
    subject: row.subject,
    ...(row.principal_id ? { principalId: row.principal_id } : {}),
    ...(row.client_id ? { clientId: row.client_id } : {}),
    data: row.data ?? {},
    createdAt: Math.floor(new Date(row.created_at).getTime() / 1000),
    expiresAt: Math.floor(new Date(row.expires_at).getTime() / 1000),
  };
}
