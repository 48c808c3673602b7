import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An internal user (table `principals`). `id` is the stable `sub` of every token Tessera issues.
 * The profile columns (email … preferredUsername) follow the principal's primary identity only
 * (issue 5 item 7); `updatedAt` moves only when one of them changes (issue 6 item 6).
 */
@Entity('principals')
export class PrincipalEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
  /** When a profile value last changed (OIDC Core §5.1 `updated_at`). */
  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
  @Column({ type: 'text', nullable: true })
  email!: string | null;
  /** Null when there is no email. */
  @Column({ name: 'email_verified', type: 'boolean', nullable: true })
  emailVerified!: boolean | null;
  @Column({ type: 'text', nullable: true })
  name!: string | null;
  @Column({ name: 'given_name', type: 'text', nullable: true })
  givenName!: string | null;
  @Column({ name: 'family_name', type: 'text', nullable: true })
  familyName!: string | null;
  @Column({ name: 'preferred_username', type: 'text', nullable: true })
  preferredUsername!: string | null;
  /**
   * The federated identity whose logins keep the profile up to date: the one that created the
   * principal. Null when it was deleted (then no login changes the profile).
   */
  @Column({ name: 'primary_identity_id', type: 'uuid', nullable: true })
  primaryIdentityId!: string | null;
}

/**
 * One upstream account `(provider, subject)` linked to a principal (table `federated_identities`);
 * unique per provider and subject. Keeps its own email and verified flag, from its own last login.
 */
@Entity('federated_identities')
export class FederatedIdentityEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;
  @Column({ name: 'principal_id', type: 'uuid' })
  principalId!: string;
  @Column({ name: 'provider_id', type: 'text' })
  providerId!: string;
  @Column({ type: 'text' })
  issuer!: string;
  @Column({ type: 'text' })
  subject!: string;
  @Column({ name: 'linked_by', type: 'text' })
  linkedBy!: string;
  /** The mapped claims of the last login (see `identityColumnsOf`). */
  @Column({ type: 'jsonb' })
  claims!: Record<string, any>; // jsonb; TypeORM needs an open value type here
  /** Normalized addr-spec from this identity's last login; indexed as lower(email). */
  @Column({ type: 'text', nullable: true })
  email!: string | null;
  /** True only when the trust step verified `email`; null when there is no email. */
  @Column({ name: 'email_verified', type: 'boolean', nullable: true })
  emailVerified!: boolean | null;
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
  /** The last login through this identity (moves on every login). */
  @Column({ name: 'last_login_at', type: 'timestamptz' })
  lastLoginAt!: Date;
}
