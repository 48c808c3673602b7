import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One refresh-token family (DESIGN.md §6): one grant — client, principal, broker session (absent
 * for `offline_access` families), scope — with an absolute expiry fixed at creation. Times UTC.
 */
@Entity('refresh_families')
export class RefreshFamilyEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;
  @Column({ name: 'client_id', type: 'text' })
  clientId!: string;
  @Column({ name: 'principal_id', type: 'uuid' })
  principalId!: string;
  @Column({ name: 'session_id', type: 'uuid', nullable: true })
  sessionId!: string | null;
  @Column({ type: 'text' })
  scope!: string;
  @Column({ type: 'boolean' })
  offline!: boolean;
  /** The login's grant value, carried unchanged (DESIGN.md §9 "One grant value"). */
  @Column({ name: 'grant_value', type: 'jsonb' })
  grant!: Record<string, unknown>;
  /** SHA-256 of the authorization code the family came from (RFC 6749 §4.1.2: revoked on code replay). */
  @Column({ name: 'code_hash', type: 'text', nullable: true })
  codeHash!: string | null;
  /** Idle lifetime extended by each refresh (offline families); null for session-bound ones, whose idle timer is the session's. */
  @Column({ name: 'idle_seconds', type: 'integer', nullable: true })
  idleSeconds!: number | null;
  /** `[jti, exp]` of the access tokens minted in this family that have not expired yet (revoked with it). */
  @Column({ name: 'access_jtis', type: 'jsonb' })
  accessJtis!: Array<[string, number]>;
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
  @Column({ name: 'idle_expires_at', type: 'timestamptz' })
  idleExpiresAt!: Date;
  @Column({ name: 'absolute_expires_at', type: 'timestamptz' })
  absoluteExpiresAt!: Date;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
  @Column({ name: 'revoke_reason', type: 'text', nullable: true })
  revokeReason!: string | null;
}

/**
 * One refresh token of a family, stored as its SHA-256 only, kept (rotated or revoked) until the
 * family expires so any reuse is recognised. `generation` is the "newest" marker (shared/bugs
 * B50), never a timestamp. `successorBox` holds the successor encrypted under a key derived from
 * this token, for the grace window only.
 */
@Entity('refresh_tokens')
export class RefreshTokenEntity {
  @PrimaryColumn({ name: 'token_hash', type: 'text' })
  tokenHash!: string;
  @Column({ name: 'family_id', type: 'uuid' })
  familyId!: string;
  @Column({ type: 'integer' })
  generation!: number;
  @Column({ name: 'parent_hash', type: 'text', nullable: true })
  parentHash!: string | null;
  @Column({ type: 'text' })
  state!: 'active' | 'rotated' | 'revoked';
  @Column({ name: 'client_id', type: 'text' })
  clientId!: string;
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
  @Column({ name: 'rotated_at', type: 'timestamptz', nullable: true })
  rotatedAt!: Date | null;
  @Column({ name: 'successor_box', type: 'text', nullable: true })
  successorBox!: string | null;
  @Column({ name: 'successor_box_expires_at', type: 'timestamptz', nullable: true })
  successorBoxExpiresAt!: Date | null;
  @Column({ name: 'replay_count', type: 'integer' })
  replayCount!: number;
}

/**
 * One revocation (DESIGN.md §6 "Revocation"): a sequence number, what was revoked (`kind`:
 * `jti`, `family`, `session`, `principal` not-before, or a kind another module publishes) and
 * until when it matters (the longest-lived token it can concern).
 */
@Entity('revocations')
export class RevocationEntity {
  @PrimaryColumn({ type: 'bigint', generated: 'increment' })
  seq!: string;
  @Column({ type: 'text' })
  kind!: string;
  @Column({ type: 'text' })
  subject!: string;
  @Column({ name: 'principal_id', type: 'uuid', nullable: true })
  principalId!: string | null;
  @Column({ name: 'client_id', type: 'text', nullable: true })
  clientId!: string | null;
  @Column({ type: 'jsonb' })
  data!: Record<string, unknown>;
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}

/** The access token issued from an authorization code, so a replay of the code revokes it (RFC 6749 §4.1.2). */
@Entity('code_issuances')
export class CodeIssuanceEntity {
  @PrimaryColumn({ name: 'code_hash', type: 'text' })
  codeHash!: string;
  @Column({ type: 'text' })
  jti!: string;
  @Column({ name: 'client_id', type: 'text' })
  clientId!: string;
  @Column({ name: 'principal_id', type: 'uuid' })
  principalId!: string;
  @Column({ name: 'access_expires_at', type: 'timestamptz' })
  accessExpiresAt!: Date;
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
