import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** A role (docs/authorization.md "Roles and bindings"); referenced by Cedar policies as `Role::"<name>"`. */
@Entity('authz_roles')
export class AuthzRoleEntity {
  @PrimaryColumn({ type: 'text' })
  name!: string;
  @Column({ type: 'text', nullable: true })
  description!: string | null;
  /** `seed` (policies/bindings.yaml) or `admin` (the admin API). */
  @Column({ type: 'text' })
  source!: string;
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** A binding: a principal, or a canonical group `<providerId>:<group>`, holds a role. */
@Entity('authz_bindings')
export class AuthzBindingEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;
  @Column({ type: 'text' })
  kind!: 'principal' | 'group';
  @Column({ type: 'text' })
  subject!: string;
  @Column({ type: 'text' })
  role!: string;
  @Column({ type: 'text' })
  source!: string;
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/**
 * What authorization knows of a principal: the canonical groups and providers its logins
 * brought (through the port, never from upstream claims directly), and its authorization
 * version, bumped by every change that can alter its roles.
 */
@Entity('authz_principals')
export class AuthzPrincipalEntity {
  @PrimaryColumn({ name: 'principal_id', type: 'uuid' })
  principalId!: string;
  @Column({ type: 'jsonb' })
  groups!: string[];
  @Column({ type: 'jsonb' })
  providers!: string[];
  /** bigint, read as a string by pg. */
  @Column({ type: 'bigint' })
  version!: string;
  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** Every entity authorization/ owns, registered by the composition root. */
export const AUTHORIZATION_ENTITY_LIST = [AuthzRoleEntity, AuthzBindingEntity, AuthzPrincipalEntity];
