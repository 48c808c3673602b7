import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One row of the append-only audit trail (a database trigger refuses UPDATE, DELETE, TRUNCATE). */
@Entity('audit_events')
export class AuditEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;
  @Column({ type: 'text' })
  type!: string;
  @Column({ type: 'text' })
  outcome!: 'success' | 'failure' | 'info';
  @Column({ type: 'text', nullable: true })
  reason!: string | null;
  @Column({ name: 'provider_id', type: 'text', nullable: true })
  providerId!: string | null;
  @Column({ name: 'principal_id', type: 'uuid', nullable: true })
  principalId!: string | null;
  @Column({ name: 'client_id', type: 'text', nullable: true })
  clientId!: string | null;
  @Column({ name: 'login_transaction_id', type: 'text', nullable: true })
  loginTransactionId!: string | null;
  @Column({ type: 'jsonb' })
  details!: Record<string, any>; // jsonb; TypeORM needs an open value type here
}
