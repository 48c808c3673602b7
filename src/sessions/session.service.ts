import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, In, IsNull, MoreThan, type EntityManager } from 'typeorm';
import { AuditSink } from '../audit/audit.module';
import { Clock, Random, isUuid, loggableError, sha256 } from '../common';
import { ExpirySweeper, claimOnce, inUnitOfWork, type UnitOfWork } from '../database';
import { BrokerSessionEntity, SessionClientEntity } from './session.entity';
import { nextIdleExpiry, sessionStatus } from './sessions.rules';
import { SESSION_SETTINGS, type BrokerSession, type EndReason, type NewSession, type SessionEndListener, type SessionEndReport, type SessionSettings } from './session.types';

/**
 * Broker (SSO) sessions (DESIGN.md §6): created when an upstream login finishes, found by the
 * SHA-256 of their cookie, kept alive by use up to an absolute limit, and ended by ONE call,
 * {@link end}, whatever the reason (logout, admin, the concurrency limit, later theft), so a rule
 * wired to ending is never skipped by another path. The clients of a session are recorded when a
 * code is issued to them (shared/bugs B38), never derived from live tokens.
 */
@Injectable()
export class SessionService {
  private readonly log = new Logger('sessions');
  private readonly listeners: SessionEndListener[] = [];
  private readonly inTransaction: Array<(report: SessionEndReport, manager: EntityManager) => Promise<void>> = [];

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(Random) private readonly random: Random,
    @Inject(SESSION_SETTINGS) private readonly settings: SessionSettings,
    @Inject(AuditSink) private readonly audit: AuditSink,
    @Inject(ExpirySweeper) sweeper: ExpirySweeper,
  ) {
    // Ended and expired rows are kept a day for the logout report and the admin API.
    sweeper.register({ table: 'broker_sessions', column: 'absolute_expires_at', graceSeconds: 86400 });
  }

  /** Registers a listener told about every ended session after the end is committed (kicks, audits). */
  onEnded(listener: SessionEndListener): void {
    this.listeners.push(listener);
  }

  /**
   * Registers work that must commit together with the end of a session (the back-channel logout
   * outbox rows): it runs inside the ending transaction and must use only the given manager. If
   * it throws, the session does not end.
   */
  onEnding(hook: (report: SessionEndReport, manager: EntityManager) => Promise<void>): void {
    this.inTransaction.push(hook);
  }

  /**
   * Creates a session for a finished upstream login.
   * @param firstClientId the app about to receive a code in it: recorded as {@link recordClient}
   *   would, in the same statement as the session (issue 13 item 7) — unless a per-principal limit
   *   is configured, whose enforcement may end the new session: the client is then recorded after
   *   it, by {@link recordClient}, so an ended session refuses it as before.
   * @returns the session, the cookie value (256-bit; only its hash is stored) and, with
   *   `firstClientId`, whether the client was recorded (false: the session ended, no code may be
   *   issued in it). Ends the principal's oldest live sessions beyond `maxPerPrincipal` (reason `limit`).
   */
  async create(input: NewSession, firstClientId?: string): Promise<{ session: BrokerSession; cookie: string; clientRecorded?: boolean }> {
    const cookie = this.random.token(32);
    const now = this.clock.now();
    const absolute = new Date(now.getTime() + this.settings.absoluteSeconds * 1000);
    const row: BrokerSessionEntity = {
      id: this.random.uuid(),
      cookieHash: sha256(cookie),
      principalId: input.principalId,
      providerId: input.providerId,
      ...authnColumns(input),
      createdAt: now,
      lastSeenAt: now,
      idleExpiresAt: nextIdleExpiry(now, this.settings.idleSeconds, absolute),
      absoluteExpiresAt: absolute,
      endedAt: null,
      endReason: null,
    };
    const together = firstClientId !== undefined && this.settings.maxPerPrincipal === undefined;
    if (together) {
      const [insert, params] = this.repo().createQueryBuilder().insert().values(row).getQueryAndParameters();
      await this.dataSource.query(
        `WITH s AS (${insert} RETURNING id) INSERT INTO session_clients (session_id, client_id, first_issued_at) SELECT id, $${params.length + 1}, $${params.length + 2} FROM s`,
        [...params, firstClientId, now],
      );
    } else {
      await this.repo().insert(row);
    }
    await this.audit.record({ type: 'session.created', outcome: 'success', principalId: row.principalId, providerId: row.providerId, details: { sid: row.id } });
    await this.enforceLimit(row.principalId);
    if (firstClientId === undefined) return { session: view(row), cookie };
    return { session: view(row), cookie, clientRecorded: together || (await this.recordClient(row.id, firstClientId)) };
  }

  /**
   * The live session a cookie names, or undefined (unknown, ended, expired: treated as no
   * session, never an error). Use extends the idle expiry, never past the absolute one — found
   * and touched in one statement, whose condition is {@link sessionStatus}'s `live`.
   */
  async current(cookie: string | undefined): Promise<BrokerSession | undefined> {
    if (!cookie) return undefined;
    const now = this.clock.now();
    const idle = new Date(now.getTime() + this.settings.idleSeconds * 1000);
    const touched = await claimOnce(
      this.dataSource,
      BrokerSessionEntity,
      { lastSeenAt: now, idleExpiresAt: () => 'LEAST(:idle, absolute_expires_at)' },
      'cookie_hash = :hash AND ended_at IS NULL AND idle_expires_at > :now AND absolute_expires_at > :now',
      { hash: sha256(cookie), idle, now },
    );
    return touched ? view(touched) : undefined;
  }

  /**
   * A fresh upstream authentication of the same principal through the same provider in a
   * browser that already has a live session (prompt=login, max_age, or two logins started at
   * once): the session keeps its id — codes already issued in it stay good, apps keep one `sid` —
   * and takes the new authentication facts and groups.
   * @returns the updated session, or undefined when it ended meanwhile.
   */
  async reauthenticate(sid: string, input: NewSession): Promise<BrokerSession | undefined> {
    const now = this.clock.now();
    const row = await claimOnce(
      this.dataSource,
      BrokerSessionEntity,
      { ...authnColumns(input), lastSeenAt: now },
      'id = :sid AND principal_id = :principalId AND provider_id = :providerId AND ended_at IS NULL AND absolute_expires_at > :now',
      { sid, principalId: input.principalId, providerId: input.providerId, now },
    );
    if (!row) return undefined;
    await this.audit.record({ type: 'session.reauthenticated', outcome: 'success', principalId: row.principalId, providerId: row.providerId, details: { sid } });
    return view(row);
  }

  /**
   * Use of a session by one of its refresh-token families (DESIGN.md §6: session-bound families
   * extend its idle timer): the same one-statement touch as {@link current}, by id.
   * @returns true when the session is live (and was touched).
   */
  async touch(sid: string): Promise<boolean> {
    if (!isUuid(sid)) return false;
    const now = this.clock.now();
    const idle = new Date(now.getTime() + this.settings.idleSeconds * 1000);
    const touched = await claimOnce(
      this.dataSource,
      BrokerSessionEntity,
      { lastSeenAt: now, idleExpiresAt: () => 'LEAST(:idle, absolute_expires_at)' },
      'id = :sid AND ended_at IS NULL AND idle_expires_at > :now AND absolute_expires_at > :now',
      { sid: sid.toLowerCase(), idle, now },
    );
    return touched !== undefined;
  }

  /** True when the session `sid` is live (userinfo refuses tokens of ended sessions). */
  async isLive(sid: string): Promise<boolean> {
    return (await this.live(sid)) !== undefined;
  }

  /**
   * The session `sid` when it is live, in one read (the token endpoint checks liveness and bounds
   * a refresh family by the session's absolute expiry from the same row; issue 13 item 7).
   * @returns the session without its clients, or undefined when unknown, ended or expired.
   */
  async live(sid: string): Promise<BrokerSession | undefined> {
    if (!isUuid(sid)) return undefined;
    const row = await this.repo().findOneBy({ id: sid });
    return row !== null && sessionStatus(row, this.clock.now()) === 'live' ? view(row) : undefined;
  }

  /**
   * Records that `clientId` is about to receive a code in session `sid` (idempotent; shared/bugs
   * B38) — only while the session has not ended, in one statement, so an end either sees the
   * client (and tells it) or this call refuses.
   * @returns false when the session has ended (no code may be issued in it).
   */
  async recordClient(sid: string, clientId: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `INSERT INTO session_clients (session_id, client_id, first_issued_at)
       SELECT id, $2, $3 FROM broker_sessions WHERE id = $1 AND ended_at IS NULL
       ON CONFLICT (session_id, client_id) DO UPDATE SET first_issued_at = session_clients.first_issued_at
       RETURNING 1`,
      [sid, clientId, this.clock.now()],
    )) as unknown[];
    return rows.length === 1;
  }

  /** A principal's sessions, live first then newest first, with their clients. */
  async listForPrincipal(principalId: string): Promise<Array<BrokerSession & { clients: string[]; endedAt?: number; endReason?: string }>> {
    if (!isUuid(principalId)) return [];
    const rows = await this.repo().find({ where: { principalId }, order: { createdAt: 'DESC' } });
    const clients = new Map<string, string[]>();
    if (rows.length > 0) {
      const all = await this.dataSource.getRepository(SessionClientEntity).find({ where: { sessionId: In(rows.map((r) => r.id)) }, order: { firstIssuedAt: 'ASC' } });
      for (const c of all) clients.set(c.sessionId, [...(clients.get(c.sessionId) ?? []), c.clientId]);
    }
    const out = rows.map((row) => ({ ...view(row), clients: clients.get(row.id) ?? [], ...(row.endedAt ? { endedAt: seconds(row.endedAt), endReason: row.endReason ?? undefined } : {}) }));
    const now = this.clock.now();
    return out.sort((a, b) => Number(isLiveView(b, now)) - Number(isLiveView(a, now)));
  }

  /** One session with its clients, live or not, or undefined. */
  async get(sid: string): Promise<(BrokerSession & { clients: string[]; endedAt?: number; endReason?: string }) | undefined> {
    if (!isUuid(sid)) return undefined;
    const row = await this.repo().findOneBy({ id: sid });
    if (!row) return undefined;
    return { ...view(row), clients: await this.clientsOf(row.id), ...(row.endedAt ? { endedAt: seconds(row.endedAt), endReason: row.endReason ?? undefined } : {}) };
  }

  /**
   * Ends a session — the one path for logout, admin, the concurrency limit and theft: marks it
   * ended (one conditional UPDATE, so of racing ends one reports) and runs the {@link onEnding}
   * work (family revocation, back-channel outbox rows) in the same transaction; after the commit,
   * audits `session.ended` with its clients and tells every listener (a listener's failure is
   * logged, never undoes the end).
   *
   * With `uow`, all of that is written in the caller's transaction (e.g. a refresh-token theft
   * that revokes a family and ends its session together, issue 8 item 4) and the audit and
   * listeners wait for the caller's commit; if anything in the ending throws, the caller's
   * transaction rolls back whole. Without it, the end is its own transaction.
   * @returns the report, or undefined when the session was unknown or already ended.
   */
  async end(sid: string, reason: EndReason, uow?: UnitOfWork): Promise<SessionEndReport | undefined> {
    if (!isUuid(sid)) return undefined;
    if (!uow) return inUnitOfWork(this.dataSource, (own) => this.end(sid, reason, own));
    sid = sid.toLowerCase();
    const now = this.clock.now();
    const row = await claimOnce(uow.manager, BrokerSessionEntity, { endedAt: now, endReason: reason }, 'id = :sid AND ended_at IS NULL', { sid });
    if (!row) return undefined;
    const report: SessionEndReport = { sid, principalId: row.principalId, reason, endedAt: seconds(now), clients: await this.clientsOf(sid, uow.manager) };
    for (const hook of this.inTransaction) await hook(report, uow.manager);
    uow.afterCommit(() => this.announceEnd(report, row.providerId));
    return report;
  }

  /** After an end committed: the `session.ended` audit and the listeners. */
  private async announceEnd(report: SessionEndReport, providerId: string): Promise<void> {
    await this.audit.record({ type: 'session.ended', outcome: 'info', reason: report.reason, principalId: report.principalId, providerId, details: { sid: report.sid, clients: report.clients } });
    for (const listener of this.listeners) {
      await listener(report).catch((err: unknown) => this.log.error({ msg: 'session end listener failed', sid: report.sid, err: loggableError(err) }));
    }
  }

  /** Ends every live session of a principal except `keep`. @returns the reports. */
  async endAllForPrincipal(principalId: string, reason: EndReason, keep?: string): Promise<SessionEndReport[]> {
    if (!isUuid(principalId)) return [];
    const live = await this.repo().find({ where: { principalId, endedAt: IsNull(), absoluteExpiresAt: MoreThan(this.clock.now()) } });
    const reports: SessionEndReport[] = [];
    for (const s of live) {
      if (s.id === keep) continue;
      const r = await this.end(s.id, reason);
      if (r) reports.push(r);
    }
    return reports;
  }

  /**
   * The upstream IdP ended a session (OIDC Back-Channel Logout, later SAML SLO): ends every live
   * broker session of `providerId` with that upstream session id, or — when the IdP named only
   * the subject — every live session of that upstream subject (reason `upstream_logout`).
   * @returns the reports (empty when nothing matched).
   */
  async endByUpstream(providerId: string, logout: { upstreamSessionIds?: string[]; subject?: string; upstreamLogout?: Record<string, string> }): Promise<SessionEndReport[]> {
    if (logout.upstreamLogout !== undefined) return this.endByUpstreamFacts(providerId, logout.upstreamLogout, logout.upstreamSessionIds);
    const where = logout.upstreamSessionIds !== undefined
      ? { providerId, upstreamSessionId: In(logout.upstreamSessionIds), endedAt: IsNull() }
      : logout.subject !== undefined
        ? { providerId, upstreamSubject: logout.subject, endedAt: IsNull() }
        : undefined;
    if (!where) return [];
    const reports: SessionEndReport[] = [];
    for (const s of await this.repo().find({ where })) {
      const r = await this.end(s.id, 'upstream_logout');
      if (r) reports.push(r);
    }
    return reports;
  }

  /**
   * SAML Single Logout (SAML Core §3.7.3.2, B39): the live sessions of `providerId` whose stored
   * upstream logout facts equal `facts` exactly (the NameID as issued), and — when the IdP named
   * any (SAML Core §3.7.1 allows several SessionIndex) — whose upstream session id is one of
   * `upstreamSessionIds`. Nothing else matches.
   */
  private async endByUpstreamFacts(providerId: string, facts: Record<string, string>, upstreamSessionIds: string[] | undefined): Promise<SessionEndReport[]> {
    const rows = await this.repo().find({ where: { providerId, endedAt: IsNull(), ...(upstreamSessionIds !== undefined ? { upstreamSessionId: In(upstreamSessionIds) } : {}) } });
    const reports: SessionEndReport[] = [];
    for (const s of rows.filter((r) => sameFacts(r.upstreamLogout, facts))) {
      const r = await this.end(s.id, 'upstream_logout');
      if (r) reports.push(r);
    }
    return reports;
  }

  private async enforceLimit(principalId: string): Promise<void> {
    const max = this.settings.maxPerPrincipal;
    if (max === undefined) return;
    const now = this.clock.now();
    const live = (await this.repo().find({ where: { principalId, endedAt: IsNull() }, order: { createdAt: 'DESC' } })).filter((s) => sessionStatus(s, now) === 'live');
    for (const s of live.slice(max)) await this.end(s.id, 'limit');
  }

  private async clientsOf(sid: string, manager: EntityManager | DataSource = this.dataSource): Promise<string[]> {
    const rows = await manager.getRepository(SessionClientEntity).find({ where: { sessionId: sid }, order: { firstIssuedAt: 'ASC' } });
    return rows.map((r) => r.clientId);
  }

  private repo() {
    return this.dataSource.getRepository(BrokerSessionEntity);
  }
}


/** The columns a login's authentication sets on a session (its grant's upstream facts and groups). */
function authnColumns(input: NewSession): Pick<BrokerSessionEntity, 'upstreamSessionId' | 'upstreamSubject' | 'upstreamLogout' | 'authTime' | 'acr' | 'amr' | 'groups'> {
  return {
    upstreamSessionId: input.upstreamSessionId ?? null,
    upstreamSubject: input.upstreamSubject ?? null,
    upstreamLogout: input.upstreamLogout ?? null,
    authTime: input.authTime === undefined ? null : new Date(input.authTime * 1000),
    acr: input.acr ?? null,
    amr: input.amr ?? null,
    groups: [...input.groups],
  };
}

/** Exact equality of two flat string records (same keys, same values). */
function sameFacts(stored: Record<string, string> | null, asked: Record<string, string>): boolean {
  if (!stored) return false;
  const a = Object.keys(stored).sort();
  const b = Object.keys(asked).sort();
  return a.length === b.length && a.every((k, i) => k === b[i] && stored[k] === asked[k]);
}

function seconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

function isLiveView(s: { endedAt?: number; idleExpiresAt: number; absoluteExpiresAt: number }, now: Date): boolean {
  const t = seconds(now);
  return s.endedAt === undefined && s.idleExpiresAt > t && s.absoluteExpiresAt > t;
}

function view(row: BrokerSessionEntity): BrokerSession {
  return {
    sid: row.id,
    principalId: row.principalId,
    providerId: row.providerId,
    ...(row.upstreamSessionId ? { upstreamSessionId: row.upstreamSessionId } : {}),
    ...(row.upstreamLogout ? { upstreamLogout: row.upstreamLogout } : {}),
    ...(row.authTime ? { authTime: seconds(row.authTime) } : {}),
    ...(row.acr ? { acr: row.acr } : {}),
    ...(row.amr ? { amr: row.amr } : {}),
    groups: row.groups ?? [],
    createdAt: seconds(row.createdAt),
    lastSeenAt: seconds(row.lastSeenAt),
    idleExpiresAt: seconds(row.idleExpiresAt),
    absoluteExpiresAt: seconds(row.absoluteExpiresAt),
  };
}
