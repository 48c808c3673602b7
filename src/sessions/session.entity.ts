import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A broker (SSO) session (DESIGN.md §6): server-side, found by the SHA-256 of its cookie. `id` is
 * the public session id, the `sid` of tokens (OIDC Front-/Back-Channel Logout). Times in UTC.
 */
@Entity('broker_sessions')
export class BrokerSessionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;
  @Column({ name: 'cookie_hash', type: 'text' })
  cookieHash!: string;
  @Column({ name: 'principal_id', type: 'uuid' })
  principalId!: string;
  @Column({ name: 'provider_id', type: 'text' })
  providerId!: string;
  @Column({ name: 'upstream_session_id', type: 'text', nullable: true })
  upstreamSessionId!: string | null;
  @Column({ name: 'upstream_subject', type: 'text', nullable: true })
  upstreamSubject!: string | null;
  /** The connector's upstream logout facts (SAML: NameID value, Format, qualifiers; B12), opaque here. */
  @Column({ name: 'upstream_logout', type: 'jsonb', nullable: true })
  upstreamLogout!: Record<string, string> | null;
  @Column({ name: 'auth_time', type: 'timestamptz', nullable: true })
  authTime!: Date | null;
  @Column({ type: 'text', nullable: true })
  acr!: string | null;
  @Column({ type: 'jsonb', nullable: true })
  amr!: string[] | null;
  /** Canonical groups of the login that created the session (part of its grant, DESIGN.md §9). */
  @Column({ type: 'jsonb' })
  groups!: string[];
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt!: Date;
  @Column({ name: 'idle_expires_at', type: 'timestamptz' })
  idleExpiresAt!: Date;
  @Column({ name: 'absolute_expires_at', type: 'timestamptz' })
  absoluteExpiresAt!: Date;
  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;
  @Column({ name: 'end_reason', type: 'text', nullable: true })
  endReason!: string | null;
}

/** A client that received a code or token in a session, recorded when issued (shared/bugs B38). */
@Entity('session_clients')
export class SessionClientEntity {
  @PrimaryColumn({ name: 'session_id', type: 'uuid' })
  sessionId!: string;
  @PrimaryColumn({ name: 'client_id', type: 'text' })
  clientId!: string;
  @Column({ name: 'first_issued_at', type: 'timestamptz' })
  firstIssuedAt!: Date;
}
