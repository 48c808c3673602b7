import { Inject, Injectable } from '@nestjs/common';
import * as jose from 'jose';
import { DataSource } from 'typeorm';
import { Clock } from '../../common';
import { UpstreamClientKeyEntity } from './upstream-grant.entity';
import { CONNECTOR_SECRETS, openSecret, sealSecret, type ConnectorSecrets } from './upstream-grants';

const PURPOSE = 'tessera-upstream-client-key';

/** Where a connector gets the private_key_jwt key of a provider whose file names none. */
export interface ClientKeySource {
  /** The provider's private JWK (ES256), generated on first use and kept encrypted. */
  keyFor(providerId: string): Promise<Record<string, unknown>>;
}

/**
 * Generated private_key_jwt keys (issue 12 item 1), kept like Tessera's signing keys: the private
 * JWK as a compact JWE under the connectors' key (derived from TESSERA_KEK) in
 * `upstream_client_keys`, one per provider. Two instances generating at once keep one key (the
 * insert does nothing on conflict and both read the stored row). Cached in memory once read.
 */
@Injectable()
export class UpstreamClientKeyStore implements ClientKeySource {
  private readonly cache = new Map<string, Promise<Record<string, unknown>>>();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(CONNECTOR_SECRETS) private readonly secrets: ConnectorSecrets,
  ) {}

  keyFor(providerId: string): Promise<Record<string, unknown>> {
    let key = this.cache.get(providerId);
    if (!key) {
      key = this.load(providerId).catch((err: unknown) => {
        this.cache.delete(providerId);
        throw err;
      });
      this.cache.set(providerId, key);
    }
    return key;
  }

  private async load(providerId: string): Promise<Record<string, unknown>> {
    const repo = this.dataSource.getRepository(UpstreamClientKeyEntity);
    let row = await repo.findOne({ where: { providerId } });
    if (!row) {
      const { privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
      const jwk = await jose.exportJWK(privateKey);
      const full = { ...jwk, alg: 'ES256', kid: await jose.calculateJwkThumbprint(jwk) };
      const privateJwe = await sealSecret(JSON.stringify(full), this.secrets.key, PURPOSE);
      await repo.createQueryBuilder().insert().values({ providerId, privateJwe, createdAt: this.clock.now() }).orIgnore().execute();
      row = await repo.findOneOrFail({ where: { providerId } });
    }
    return JSON.parse(await openSecret(row.privateJwe, this.secrets.key, PURPOSE)) as Record<string, unknown>;
  }
}
