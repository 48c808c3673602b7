import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { LoginGrant } from '../login/login.module';

/**
 * An issued authorization code, stored as its SHA-256 only. Single use, short-lived. Carries the
 * login's grant value as it was produced (DESIGN.md §9 "One grant value"). Times in UTC.
 */
@Entity('authorization_codes')
export class AuthorizationCodeEntity {
  @PrimaryColumn({ name: 'code_hash', type: 'text' })
  codeHash!: string;
  @Column({ name: 'client_id', type: 'text' })
  clientId!: string;
  @Column({ name: 'redirect_uri', type: 'text' })
  redirectUri!: string;
  @Column({ name: 'principal_id', type: 'uuid' })
  principalId!: string;
  @Column({ name: 'provider_id', type: 'text' })
  providerId!: string;
  @Column({ type: 'text' })
  scope!: string;
  @Column({ type: 'text', nullable: true })
  nonce!: string | null;
  @Column({ name: 'code_challenge', type: 'text', nullable: true })
  codeChallenge!: string | null;
  @Column({ name: 'code_challenge_method', type: 'text', nullable: true })
  codeChallengeMethod!: string | null;
  @Column({ type: 'jsonb' })
  grant!: LoginGrant;
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt!: Date | null;
}
