import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PrincipalEntity } from './entities';
import { isUuid } from '../common';
import type { ProfileValues } from './profile.rules';

/**
 * A principal's profile as tokens and userinfo present it (OIDC Core §5.1 standard claims; the
 * issuer picks what each scope releases). Null = absent. `updatedAt` is when a profile value last
 * changed (OIDC Core §5.1 `updated_at`), not the last login.
 */
export interface PrincipalClaims extends ProfileValues {
  /** The principal id: the `sub` of every token. */
  id: string;
  updatedAt: Date;
}

/**
 * What linking knows about a principal, for the authorization module's input (issue 10: linked
 * providers and link state next to the login's canonical groups, assurance and visible attributes).
 */
export interface PrincipalLinks {
  /** Provider ids of the principal's federated identities, sorted, each once. */
  linkedProviders: string[];
  /** `linked`, or `pending` when an identity waits for review with this principal as candidate. */
  linkState: 'linked' | 'pending';
}

/**
 * Reads principal claims for the issuer (ID token and userinfo, DESIGN.md §1 step 8). Read only:
 * it never writes and never consults an upstream IdP; the profile is what the principal's primary
 * identity last brought (see LinkingService).
 */
@Injectable()
export class PrincipalClaimsReader {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * @param principalId the principal's id (uuid; any other string simply finds nothing).
   * @returns its claims, or undefined when there is no such principal.
   */
  async claimsFor(principalId: string): Promise<PrincipalClaims | undefined> {
    if (!isUuid(principalId)) return undefined;
    const p = await this.dataSource.getRepository(PrincipalEntity).findOneBy({ id: principalId });
    if (!p) return undefined;
    return {
      id: p.id,
      email: p.email,
      emailVerified: p.emailVerified,
      name: p.name,
      givenName: p.givenName,
      familyName: p.familyName,
      preferredUsername: p.preferredUsername,
      updatedAt: p.updatedAt,
    };
  }

  /**
   * The principal's linked providers and link state (read only).
   * @returns undefined when there is no such principal.
   */
  async linksOf(principalId: string): Promise<PrincipalLinks | undefined> {
    if (!isUuid(principalId)) return undefined;
    const rows: Array<{ providers: string[] | null; pending: boolean; found: boolean }> = await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM principals WHERE id = $1) AS found,
              (SELECT array_agg(DISTINCT provider_id ORDER BY provider_id) FROM federated_identities WHERE principal_id = $1) AS providers,
              EXISTS (SELECT 1 FROM pending_links WHERE candidate_principal_id = $1 AND state = 'pending') AS pending`,
      [principalId],
    );
    const r = rows[0];
    if (!r?.found) return undefined;
    return { linkedProviders: r.providers ?? [], linkState: r.pending ? 'pending' : 'linked' };
  }
}
