import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One back-channel logout to deliver (DESIGN.md §6 "Logout"): a client of an ended session that
 * takes back-channel logout. Written when the session ends; delivered, retried and finally
 * marked `delivered` or `failed` by whichever instance holds its lease. Swept a day after
 * `done_at`. No token is stored: each attempt signs a fresh one.
 */
@Entity('logout_outbox')
export class LogoutOutboxEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;
  /** The ended broker session: the logout token's `sid`. */
  @Column({ name: 'session_id', type: 'uuid' })
  sessionId!: string;
  /** The session's principal: the logout token's `sub`. */
  @Column({ name: 'principal_id', type: 'uuid' })
  principalId!: string;
  @Column({ name: 'client_id', type: 'text' })
  clientId!: string;
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
  @Column({ type: 'text' })
  state!: 'pending' | 'delivered' | 'failed';
  /** Attempts started (counted when a row is claimed). */
  @Column({ type: 'integer' })
  attempts!: number;
  @Column({ name: 'next_attempt_at', type: 'timestamptz' })
  nextAttemptAt!: Date;
  /** Random id of the claim that holds the row; only that claim may settle it. */
  @Column({ name: 'lease_id', type: 'text', nullable: true })
  leaseId!: string | null;
  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;
  /** Why the last attempt failed (an HTTP status or a transport error; never a token). */
  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;
  @Column({ name: 'done_at', type: 'timestamptz', nullable: true })
  doneAt!: Date | null;
}
