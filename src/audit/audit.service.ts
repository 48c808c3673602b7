import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock, storableDeep, storableText } from '../common';
import { AuditBatches, type AuditBatch } from './audit-batches';
import { AuditEventEntity } from './audit-event.entity';
import type { AuditedEvent, AuditListener, AuditListeners } from './audit-listeners';
import type { AuditEventInput, AuditSink } from './audit-sink';

/**
 * Writes audit events (DESIGN.md §1: every step writes one) to the append-only `audit_events`
 * table and mirrors them to the log. Writing is outside any business transaction on purpose: a
 * failed, rolled-back login still leaves its failure event behind. Inside an HTTP request the
 * events are collected and written in one INSERT before the response leaves (issue 13 item 7,
 * AuditBatchMiddleware); elsewhere (workers, CLI) each is written at once.
 */
@Injectable()
export class AuditService implements AuditSink, AuditListeners {
  private readonly log = new Logger('audit');
  private readonly listeners = new Set<AuditListener>();

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AuditBatches) private readonly batches: AuditBatches = new AuditBatches(),
  ) {}

  /**
   * Appends one event. Outside a request it is written at once, and a failure to write is logged
   * and rethrown: an unaudited login must not succeed silently. Inside a request it joins the
   * request's batch, written before the response leaves (a failed write turns the response into
   * a 503, see AuditBatchMiddleware). Listeners are told at once, in the caller's context.
   */
  async record(event: AuditEventInput): Promise<void> {
    const row: Partial<AuditEventEntity> = {
      occurredAt: this.clock.now(),
      type: event.type,
      outcome: event.outcome,
      reason: event.reason === undefined ? null : storableText(event.reason),
      providerId: event.providerId ?? null,
      principalId: event.principalId ?? null,
      clientId: event.clientId ?? null,
      loginTransactionId: event.loginTransactionId ?? null,
      // Details may quote upstream text (error descriptions): make it storable, never fail on it.
      details: storableDeep(event.details ?? {}),
    };
    const level = event.outcome === 'failure' ? 'warn' : 'log';
    this.log[level]({ msg: 'audit', ...row });
    const batch = this.batches.current();
    if (batch) batch.rows.push(row);
    else await this.dataSource.getRepository(AuditEventEntity).insert(row);
    this.notify({ ...event, occurredAt: row.occurredAt! });
  }

  /**
   * Writes a request's collected events in one INSERT and closes the batch (later events of the
   * request are written on their own). @throws when the rows cannot be written.
   */
  async flush(batch: AuditBatch): Promise<void> {
    batch.open = false;
    const rows = batch.rows.splice(0) as Array<Partial<AuditEventEntity>>;
    if (rows.length === 0) return;
    await this.dataSource.getRepository(AuditEventEntity).insert(rows);
  }

  /** Writes the caller's request batch now, if any (readers of the trail see what was recorded). */
  async flushCurrent(): Promise<void> {
    const batch = this.batches.current();
    if (!batch || batch.rows.length === 0) return;
    const rows = batch.rows.splice(0) as Array<Partial<AuditEventEntity>>;
    await this.dataSource.getRepository(AuditEventEntity).insert(rows);
  }

  /** {@link AuditListeners.subscribe}. */
  subscribe(listener: AuditListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(event: AuditedEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log.error({ msg: 'audit listener failed', type: event.type, err: (err as Error)?.message });
      }
    }
  }
}
