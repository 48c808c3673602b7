import { Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { AuditBatchMiddleware } from './audit-batch.middleware';
import { AuditBatches } from './audit-batches';
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
  providers: [AuditBatches, AuditService, { provide: AuditSink, useExisting: AuditService }, { provide: AuditReader, useClass: AuditReaderService }, { provide: AuditListeners, useExisting: AuditService }],
  exports: [AuditSink, AuditReader, AuditListeners],
})
export class AuditModule implements NestModule {
  /** Every request collects its audit events and writes them in one statement (issue 13 item 7). */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AuditBatchMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}

export { AuditSink, type AuditEventInput } from './audit-sink';
export { AuditReader, type AuditEventQuery, type AuditEventRecord } from './audit-reader';
export { AuditListeners, type AuditListener, type AuditedEvent } from './audit-listeners';
