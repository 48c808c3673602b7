import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A token signing key. The private JWK is stored only as a JWE under the key-encryption key. */
@Entity('signing_keys')
export class SigningKeyEntity {
  @PrimaryColumn({ type: 'text' })
  kid!: string;
  @Column({ type: 'text' })
  alg!: string;
  @Column({ type: 'text' })
  state!: 'next' | 'active' | 'retired';
  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk!: Record<string, any>; // jsonb
  @Column({ name: 'private_jwe', type: 'text' })
  privateJwe!: string;
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
  @Column({ name: 'activated_at', type: 'timestamptz', nullable: true })
  activatedAt!: Date | null;
  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt!: Date | null;
  /** A `next` key signs from this time on (published at least one JWKS cache period before, B48). */
  @Column({ name: 'activate_after', type: 'timestamptz', nullable: true })
  activateAfter!: Date | null;
  /** A `retired` key stays in the JWKS until this time (every token it signed has expired). */
  @Column({ name: 'publish_until', type: 'timestamptz', nullable: true })
  publishUntil!: Date | null;
}
