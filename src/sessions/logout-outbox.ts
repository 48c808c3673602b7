import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock, Random, storableText } from '../common';
import { ExpirySweeper } from '../database';
import { LogoutOutboxEntity } from './logout-outbox.entity';
import type { AfterFailure } from './logout.rules';

/** A row claimed for one delivery attempt. */
export interface ClaimedLogout {
  id: string;
  sessionId: string;
  principalId: string;
  clientId: string;
  /** This attempt's number (1-based). */
  attempt: number;
  /** The claim's lease id: only this claim may settle the row. */
  leaseId: string;
}

/**
 * The durable back-channel logout outbox (DESIGN.md §6 "Logout", §8): one row per client to
 * notify, shared by every instance. A row is claimed for one attempt by a single statement —
 * `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING` — that sets a lease, so of
 * several instances polling at once exactly one gets it, and a row whose deliverer died is
 * claimed again once the lease runs out. Only the claim holding the lease may settle the row.
 */
@Injectable()
export class LogoutOutbox {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(Random) private readonly random: Random,
    @Inject(ExpirySweeper) sweeper: ExpirySweeper,
  ) {
    // Settled rows are kept a day (for the logout report), then swept; pending rows never are.
    sweeper.register({ table: 'logout_outbox', column: 'done_at', graceSeconds: 86400 });
  }

  /** Queues one delivery per client, due now. Idempotent per (session, client). */
  async enqueue(session: { sid: string; principalId: string }, clientIds: readonly string[], manager?: EntityManager): Promise<void> {
    if (clientIds.length === 0) return;
    const now = this.clock.now();
    await (manager ?? this.dataSource)
      .createQueryBuilder()
      .insert()
      .into(LogoutOutboxEntity)
      .values(
        clientIds.map((clientId) => ({
          id: this.random.uuid(),
          sessionId: session.sid,
          principalId: session.principalId,
          clientId,
          createdAt: now,
          state: 'pending' as const,
          attempts: 0,
          nextAttemptAt: now,
          leaseId: null,
          leaseUntil: null,
          lastError: null,
          doneAt: null,
        })),
      )
      .orIgnore()
      .execute();
  }

  /**
   * Claims up to `limit` due rows for one attempt each, leased for `leaseSeconds`; the attempt
   * count goes up now, so an attempt cut short by a crash still counts.
   */
  async claimDue(limit: number, leaseSeconds: number): Promise<ClaimedLogout[]> {
    const now = this.clock.now();
    const leaseId = this.random.token(16);
    const result = (await this.dataSource.query(
      `UPDATE logout_outbox SET lease_id = $1, lease_until = $2, attempts = attempts + 1
       WHERE id IN (
         SELECT id FROM logout_outbox
         WHERE state = 'pending' AND next_attempt_at <= $3 AND (lease_until IS NULL OR lease_until <= $3)
         ORDER BY next_attempt_at
         LIMIT $4
         FOR UPDATE SKIP LOCKED)
       RETURNING id, session_id, principal_id, client_id, attempts`,
      [leaseId, new Date(now.getTime() + leaseSeconds * 1000), now, limit],
    )) as [Array<Record<string, unknown>>, number] | Array<Record<string, unknown>>;
    const rows = (Array.isArray(result[0]) ? result[0] : result) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      id: String(r.id),
      sessionId: String(r.session_id),
      principalId: String(r.principal_id),
      clientId: String(r.client_id),
      attempt: Number(r.attempts),
      leaseId,
    }));
  }

  /** Marks a claimed row delivered. @returns false when the claim had lost its lease. */
  async delivered(row: ClaimedLogout): Promise<boolean> {
    return this.settle(row, { state: 'delivered', doneAt: this.clock.now(), lastError: null });
  }

  /**
   * Records a failed attempt: the row is due again at `next.retryAt`, or given up (`failed`).
   * @returns false when the claim had lost its lease.
   */
  async failed(row: ClaimedLogout, next: AfterFailure, error: string): Promise<boolean> {
    const lastError = storableText(error).slice(0, 500);
    return next.giveUp
      ? this.settle(row, { state: 'failed', doneAt: this.clock.now(), lastError })
      : this.settle(row, { nextAttemptAt: next.retryAt, lastError });
  }

  private async settle(row: ClaimedLogout, set: Partial<LogoutOutboxEntity>): Promise<boolean> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(LogoutOutboxEntity)
      .set({ ...set, leaseId: null, leaseUntil: null })
      .where('id = :id AND lease_id = :leaseId', { id: row.id, leaseId: row.leaseId })
      .execute();
    return (result.affected ?? 0) === 1;
  }
}
