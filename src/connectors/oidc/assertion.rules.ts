import { BrokerError } from '../../common';
import type { OidcHardening } from '../../config';
import type { UpstreamAssertion } from '../../identity/identity.module';
import { claimsToAttributes } from './claims.rules';
import type { OverageResolution } from './graph-groups.rules';
import { subjectOf } from './id-token';

/** Claims that only describe Entra's groups overage; dropped with it (they hold a Graph URL, not groups). */
const OVERAGE_CLAIMS = ['groups', '_claim_names', '_claim_sources', 'hasgroups'];

/** What {@link buildOidcAssertion} needs from the provider file. */
export interface AssertionSettings {
  providerId: string;
  /** `subject.claim` of the provider file (default `sub`). */
  subjectClaim?: string;
  hardening: OidcHardening;
}

/**
 * Turns a verified ID token (and optional userinfo) into the UpstreamAssertion (DESIGN.md §3),
 * under one rule (OIDC Core §5.3.2, issue 12 item 5; docs/oidc.md "Userinfo"):
 * - a userinfo `sub` other than the ID token's refuses the login (`oidc.userinfo_subject_mismatch`);
 * - the ID token wins: a claim in both is taken from the ID token (it is signed; userinfo only
 *   fills in what the token lacks);
 * - `email` and `email_verified` come from the same source (claims.rules.ts);
 * - Entra multi-tenant (B15): the verified flag of the email is Entra's `xms_edov`, and nothing
 *   else (`email_verified` is set to its value, `false` when absent), since any tenant admin can
 *   write any `mail`;
 * - groups overage (`groupsOverage` true, or how it was resolved): the overage claims are dropped;
 *   groups fetched from Graph become `groups` (then named like ID-token groups by the mapping);
 *   otherwise the groups are left out (never an empty list), `groups_overage: ["true"]` says so
 *   and `groups_overage_reason` why, when known.
 * Raw claims are otherwise carried as they came. Pure.
 * @throws BrokerError `oidc.userinfo_subject_mismatch`, `mapping.subject_missing`.
 */
export function buildOidcAssertion(
  claims: Record<string, unknown>,
  userinfo: Record<string, unknown> | undefined,
  groupsOverage: boolean | OverageResolution,
  settings: AssertionSettings,
): UpstreamAssertion {
  if (userinfo !== undefined && userinfo.sub !== claims.sub) throw new BrokerError('oidc.userinfo_subject_mismatch', 'userinfo sub differs from the ID token sub');
  const h = settings.hardening;
  const attributes = claimsToAttributes(userinfo, claims);
  if (h.entraMultiTenant && attributes.email) {
    const edov = claims.xms_edov === true || claims.xms_edov === 'true' || claims.xms_edov === '1' || claims.xms_edov === 1;
    attributes.email_verified = [edov ? 'true' : 'false'];
  }
  if (groupsOverage) {
    for (const c of OVERAGE_CLAIMS) delete attributes[c];
    if (groupsOverage !== true && groupsOverage.kind === 'graph') attributes.groups = [...groupsOverage.groups];
    else {
      attributes.groups_overage = ['true'];
      if (groupsOverage !== true) attributes.groups_overage_reason = [groupsOverage.reason];
    }
  }
  const subjectClaim = settings.subjectClaim ?? 'sub';
  const subject = subjectClaim === 'sub' || h.entraObjectIdSubject ? subjectOf(claims, h) : subjectOf(Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, v[0]])), h, subjectClaim);
  const authTime = typeof claims.auth_time === 'number' && Number.isFinite(claims.auth_time) ? claims.auth_time : undefined;
  return {
    providerId: settings.providerId,
    issuer: String(claims.iss),
    subject,
    attributes,
    authn: {
      authTime: authTime === undefined ? undefined : new Date(authTime * 1000),
      acr: typeof claims.acr === 'string' ? claims.acr : undefined,
      amr: Array.isArray(claims.amr) ? claims.amr.map(String) : undefined,
      upstreamSessionId: typeof claims.sid === 'string' ? claims.sid : undefined,
    },
    initiatedBy: 'sp',
  };
}
