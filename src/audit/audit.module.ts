import { Module } from '@nestjs/common';
import { AuditEventEntity } from './audit-event.entity';
import { AuditSink } from './audit-sink';
import { AuditService } from './audit.service';

/** The entities audit/ owns, registered by the composition root's DataSource. */
export const AUDIT_ENTITIES = [AuditEventEntity];

/** The audit trail. Exports only the {@link AuditSink} port (DESIGN.md §2). */
@Module({ providers: [AuditService, { provide: AuditSink, useExisting: AuditService }], exports: [AuditSink] })
export class AuditModule {}

export { AuditSink, type AuditEventInput } from './audit-sink';
