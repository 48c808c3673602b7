import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An internal user. `id` is the stable `sub` of every token Tessera issues. */
@Entity('principals')
export class PrincipalEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
  @Column({ type: 'text', nullable: true })
  email!: string | null;
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
}

/** One upstream account `(provider, subject)` linked to a principal; unique per provider and subject. */
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
  @Column({ type: 'jsonb' })
  claims!: Record<string, any>; // jsonb; TypeORM needs an open value type here
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
  @Column({ name: 'last_login_at', type: 'timestamptz' })
  lastLoginAt!: Date;
}
