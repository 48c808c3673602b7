import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One upstream grant per (provider, upstream subject): the provider's latest refresh token,
 * encrypted (compact JWE, A256GCM under the connectors' key derived from TESSERA_KEK), and when it
 * was last validated upstream (B20). Written at login when the provider asks for re-validation.
 */
@Entity('upstream_grants')
export class UpstreamGrantEntity {
  @PrimaryColumn({ name: 'provider_id', type: 'text' })
  providerId!: string;

  @PrimaryColumn({ type: 'text' })
  subject!: string;

  /** Compact JWE of the upstream refresh token; never the token itself. */
  @Column({ name: 'refresh_token_jwe', type: 'text' })
  refreshTokenJwe!: string;

  @Column({ name: 'validated_at', type: 'timestamptz' })
  validatedAt!: Date;

  /** The upstream refused the grant: the user must sign in upstream again. */
  @Column({ name: 'needs_reauthentication', type: 'boolean', default: false })
  needsReauthentication!: boolean;
}

/**
 * The generated private_key_jwt key of a provider whose file names no `privateKey`: the private
 * JWK as a compact JWE under the connectors' key, like Tessera's own signing keys.
 */
@Entity('upstream_client_keys')
export class UpstreamClientKeyEntity {
  @PrimaryColumn({ name: 'provider_id', type: 'text' })
  providerId!: string;

  @Column({ name: 'private_jwe', type: 'text' })
  privateJwe!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
