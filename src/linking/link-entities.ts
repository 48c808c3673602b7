import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An identity waiting to be linked (table `pending_links`, issue 10 items 8, 11): for an admin
 * (admin-bound, drift quarantine) or the user (user-confirmed). At most one open per
 * `(provider, subject)`; `used` once a login consumed its decision.
 */
@Entity('pending_links')
export class PendingLinkEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;
  @Column({ name: 'provider_id', type: 'text' })
  providerId!: string;
  @Column({ type: 'text' })
  issuer!: string;
  @Column({ type: 'text' })
  subject!: string;
  /** The mapped claims of the login that started it (no raw assertion, no secret). */
  @Column({ type: 'jsonb' })
  identity!: Record<string, any>; // jsonb; TypeORM needs an open value type here
  @Column({ name: 'waiting_for', type: 'text' })
  waitingFor!: 'user' | 'admin';
  @Column({ type: 'text' })
  reason!: string;
  @Column({ name: 'candidate_principal_id', type: 'uuid', nullable: true })
  candidatePrincipalId!: string | null;
  @Column({ type: 'text' })
  state!: 'pending' | 'approved' | 'rejected' | 'used';
  @Column({ name: 'bound_principal_id', type: 'uuid', nullable: true })
  boundPrincipalId!: string | null;
  @Column({ name: 'create_principal', type: 'boolean' })
  createPrincipal!: boolean;
  @Column({ name: 'trace_id', type: 'uuid', nullable: true })
  traceId!: string | null;
  @Column({ name: 'decided_by', type: 'text', nullable: true })
  decidedBy!: string | null;
  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;
}

/** One link or unlink (table `link_ledger`, issue 10 item 10). Append-only. */
@Entity('link_ledger')
export class LinkLedgerEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;
  @Column({ name: 'principal_id', type: 'uuid' })
  principalId!: string;
  @Column({ name: 'identity_id', type: 'uuid' })
  identityId!: string;
  @Column({ name: 'provider_id', type: 'text' })
  providerId!: string;
  @Column({ type: 'text' })
  subject!: string;
  @Column({ type: 'text' })
  action!: 'link' | 'unlink';
  /** The provider's policy at the time (`none`, `email`, …) or `admin` for an admin's unlink. */
  @Column({ type: 'text' })
  policy!: string;
  /** `created`, `verified-email`, `user-confirmed`, `admin-bound`, `admin-unlink`. */
  @Column({ type: 'text' })
  reason!: string;
  /** Provider, verified email, confirming provider, admin, pending link id. */
  @Column({ type: 'jsonb' })
  evidence!: Record<string, any>; // jsonb
  /** `login` (the broker during a login) or `admin`. */
  @Column({ type: 'text' })
  actor!: string;
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
