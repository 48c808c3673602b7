import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock, storableDeep, storableText } from '../common';
import { AuditEventEntity } from './audit-event.entity';
import type { AuditEventInput, AuditSink } from './audit-sink';

/**
 * Writes audit events (DESIGN.md §1: every step writes one) to the append-only `audit_events`
 * table and mirrors them to the log. Writing is outside any business transaction on purpose: a
 * failed, rolled-back login still leaves its failure event behind.
 */
@Injectable()
export class AuditService implements AuditSink {
  private readonly log = new Logger('audit');

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /**
   * Appends one event. A failure to write is logged and rethrown: an unaudited login must not
   * succeed silently.
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
    await this.dataSource.getRepository(AuditEventEntity).insert(row);
  }
}
