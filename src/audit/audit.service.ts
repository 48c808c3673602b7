import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock, storableDeep, storableText } from '../common';
import { AuditEventEntity } from './audit-event.entity';
import type { AuditedEvent, AuditListener, AuditListeners } from './audit-listeners';
import type { AuditEventInput, AuditSink } from './audit-sink';

/**
 * Writes audit events (DESIGN.md §1: every step writes one) to the append-only `audit_events`
 * table and mirrors them to the log. Writing is outside any business transaction on purpose: a
 * failed, rolled-back login still leaves its failure event behind.
 */
@Injectable()
export class AuditService implements AuditSink, AuditListeners {
  private readonly log = new Logger('audit');
  private readonly listeners = new Set<AuditListener>();

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
    this.notify({ ...event, occurredAt: row.occurredAt! });
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
