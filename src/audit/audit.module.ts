import { Module } from '@nestjs/common';
import { AuditEventEntity } from './audit-event.entity';
import { AuditListeners } from './audit-listeners';
import { AuditReader } from './audit-reader';
import { AuditReaderService } from './audit-reader.service';
import { AuditSink } from './audit-sink';
import { AuditService } from './audit.service';

/** The entities audit/ owns, registered by the composition root's DataSource. */
export const AUDIT_ENTITIES = [AuditEventEntity];

/**
 * The audit trail. Exports only its ports (DESIGN.md §2): {@link AuditSink} to write and
 * {@link AuditReader} to read (the admin API's logout reports).
 */
@Module({
  providers: [AuditService, { provide: AuditSink, useExisting: AuditService }, { provide: AuditReader, useClass: AuditReaderService }, { provide: AuditListeners, useExisting: AuditService }],
  exports: [AuditSink, AuditReader, AuditListeners],
})
export class AuditModule {}

export { AuditSink, type AuditEventInput } from './audit-sink';
export { AuditReader, type AuditEventQuery, type AuditEventRecord } from './audit-reader';
export { AuditListeners, type AuditListener, type AuditedEvent } from './audit-listeners';
