import { Module } from '@nestjs/common';
import { AuditService } from './audit.service';

/** The audit trail. Exports {@link AuditService}. */
@Module({ providers: [AuditService], exports: [AuditService] })
export class AuditModule {}

export { AuditService, type AuditEventInput } from './audit.service';
export { AuditEventEntity } from './audit-event.entity';
