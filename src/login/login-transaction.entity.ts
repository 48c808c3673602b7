import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One login in flight (DESIGN.md §1 step 2): a row with a TTL, bound to the browser by a cookie.
 * `id` is the SHA-256 of the handle that travels in URLs; `resume_hash` the SHA-256 of the
 * single-use token that carries the outcome back to the issuer.
 */
@Entity('login_transactions')
export class LoginTransactionEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;
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
  upstream!: Record<string, any>; // jsonb: connector state (nonce, PKCE verifier)
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
