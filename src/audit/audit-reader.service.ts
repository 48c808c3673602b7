import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditEventEntity } from './audit-event.entity';
import { AuditReader, type AuditEventQuery, type AuditEventRecord } from './audit-reader';
import { AuditService } from './audit.service';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

/** Reads the append-only `audit_events` table for {@link AuditReader}. */
@Injectable()
export class AuditReaderService extends AuditReader {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {
    super();
  }

  /** Events matching `query`, newest first (by sequence number, so equal timestamps keep their order). */
  async eventsFor(query: AuditEventQuery): Promise<AuditEventRecord[]> {
    await this.audit.flushCurrent();
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? DEFAULT_LIMIT), 1), MAX_LIMIT);
    const qb = this.dataSource.getRepository(AuditEventEntity).createQueryBuilder('e').where('e.type = :type', { type: query.type });
    if (query.sid !== undefined) qb.andWhere("e.details ->> 'sid' = :sid", { sid: query.sid });
    if (query.principalId !== undefined) qb.andWhere('e.principal_id = :principalId', { principalId: query.principalId });
    const rows = await qb.orderBy('e.id', 'DESC').limit(limit).getMany();
    return rows.map(record);
  }
}

function record(row: AuditEventEntity): AuditEventRecord {
  return {
    id: String(row.id),
    occurredAt: row.occurredAt,
    type: row.type,
    outcome: row.outcome,
    ...(row.reason !== null ? { reason: row.reason } : {}),
    ...(row.providerId !== null ? { providerId: row.providerId } : {}),
    ...(row.principalId !== null ? { principalId: row.principalId } : {}),
    ...(row.clientId !== null ? { clientId: row.clientId } : {}),
    details: row.details ?? {},
  };
}
