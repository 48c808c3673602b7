import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { LoginState } from './login-state.rules';

/**
 * One login in flight (DESIGN.md §1 step 2): a row with a TTL, bound to the browser by a cookie,
 * moving through {@link LoginState}s. `id` is the SHA-256 of the handle that travels upstream
 * (OIDC state, SAML RelayState); `parked_hash` the SHA-256 of the token under which a cross-site
 * POST answer waits for its browser; `resume_hash` the SHA-256 of the single-use token that
 * carries the outcome back to the issuer.
 */
@Entity('login_transactions')
export class LoginTransactionEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;
  @Column({ type: 'text' })
  state!: LoginState;
  @Column({ name: 'browser_binding_hash', type: 'text' })
  browserBindingHash!: string;
  @Column({ name: 'client_id', type: 'text' })
  clientId!: string;
  @Column({ name: 'client_request', type: 'jsonb' })
  clientRequest!: Record<string, any>; // jsonb: an AuthorizationRequest
  @Column({ name: 'provider_id', type: 'text', nullable: true })
  providerId!: string | null;
  @Column({ type: 'text', nullable: true })
  protocol!: string | null;
  @Column({ type: 'jsonb' })
  upstream!: Record<string, any>; // jsonb: the connector's typed state (nonce, PKCE verifier, request ids)
  @Column({ name: 'parked_answer', type: 'jsonb', nullable: true })
  parkedAnswer!: Record<string, any> | null; // jsonb: an UpstreamInput that arrived as a cross-site POST
  @Column({ name: 'parked_hash', type: 'text', nullable: true })
  parkedHash!: string | null;
  @Column({ type: 'jsonb', nullable: true })
  outcome!: Record<string, any> | null; // jsonb: a LoginOutcome
  @Column({ name: 'resume_hash', type: 'text', nullable: true })
  resumeHash!: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt!: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
