import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A logout in flight at an upstream IdP: where the browser goes when it comes back. `id` is the SHA-256 of the handle (the `state`). */
@Entity('upstream_logouts')
export class UpstreamLogoutEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;
  @Column({ name: 'provider_id', type: 'text' })
  providerId!: string;
  @Column({ name: 'next_url', type: 'text' })
  nextUrl!: string;
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt!: Date | null;
}
