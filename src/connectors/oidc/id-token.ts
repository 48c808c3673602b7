import * as jose from 'jose';
import { BrokerError, type ErrorCode } from '../../common';
import type { OidcHardening } from '../../config';
import type { UpstreamKeySet } from './upstream-keys';

/** What checking an upstream ID token needs, besides the token. Times in seconds. */
export interface IdTokenPolicy {
  /** The provider's issuer as discovered (for Entra multi-tenant: the `{tenantid}` template). */
  issuer: string;
  /** Tessera's client id at the provider. */
  clientId: string;
  /** Keys HMAC-signed ID tokens (only when `hardening.algorithms` lists an HS* algorithm). */
  clientSecret?: string;
  hardening: OidcHardening;
}

/** The outcome of {@link verifyIdToken}: the verified claims and the facts the connector needs. */
export interface VerifiedIdToken {
  claims: jose.JWTPayload & Record<string, unknown>;
  header: jose.ProtectedHeaderParameters;
  /** The Entra groups overage was signalled (`_claim_names.groups` or `hasgroups`). */
  groupsOverage: boolean;
}

/**
 * Checks an upstream ID token the way the callback does, minus the login transaction (OIDC Core
 * §3.1.3.7; issue 12 items 2, 3, 6). In order, each with its own stable code:
 * 1. `alg` on the provider's allow-list (never `none`; HMAC only when listed, then keyed with the
 *    client secret, never a public key) → `oidc.alg_not_allowed`;
 * 2. signature with the provider's keys, refetched once on an unknown kid (B47) →
 *    `oidc.unknown_kid`, `oidc.signature_invalid`;
 * 3. `exp`, `nbf`, `iat` with ONE clock skew (default 60 s): an `iat` in the future beyond the skew
 *    is refused → `oidc.id_token_expired`, `oidc.id_token_time_invalid`; `auth_time` in the future
 *    → `oidc.auth_time_invalid`;
 * 4. `iss`: exact, or for `entraMultiTenant` the template with `{tenantid}` = the token's `tid`, and
 *    `tid` on `tenants` (B13) → `oidc.issuer_mismatch`, `oidc.tenant_not_allowed`;
 * 5. `aud` contains the client id; with several audiences `azp` is required, and `azp`, when
 *    present, is the client id → `oidc.audience_mismatch`;
 * 6. `nonce` equals `expectedNonce` when given → `oidc.nonce_mismatch`;
 * 7. Google `hd` in `hostedDomains` when that list is set → `oidc.hosted_domain_mismatch`;
 * 8. Entra groups overage detected; with `groupsOverage: refuse` and no `graph` →
 *    `oidc.groups_overage` (with `graph`, the connector asks Graph first; graph-groups.rules.ts).
 * @param now the current time (injected clock; fixtures run at their own time).
 * @throws BrokerError with one of the codes above; the detail names the failed check.
 */
export async function verifyIdToken(token: string, policy: IdTokenPolicy, keys: UpstreamKeySet, now: Date, expectedNonce?: string): Promise<VerifiedIdToken> {
  const h = policy.hardening;
  let header: jose.ProtectedHeaderParameters;
  try {
    header = jose.decodeProtectedHeader(token);
  } catch (err) {
    throw new BrokerError('oidc.id_token_invalid', `not a JWS: ${(err as Error).message}`, { cause: err });
  }
  if (typeof header.alg !== 'string' || header.alg === 'none' || !h.algorithms.includes(header.alg)) {
    throw new BrokerError('oidc.alg_not_allowed', `alg ${String(header.alg)} is not on the provider's allow-list (${h.algorithms.join(', ')})`);
  }
  const options: jose.JWTVerifyOptions = {
    algorithms: h.algorithms,
    audience: policy.clientId,
    clockTolerance: h.clockSkewSeconds,
    currentDate: now,
    requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
  };
  let claims: jose.JWTPayload;
  try {
    if (header.alg.startsWith('HS')) {
      if (!policy.clientSecret) throw new BrokerError('oidc.alg_not_allowed', 'HMAC ID token but no client secret to key it');
      claims = (await jose.jwtVerify(token, new TextEncoder().encode(policy.clientSecret), options)).payload;
    } else {
      claims = (await keys.verify(token, options)).payload;
    }
  } catch (err) {
    throw joseError(err);
  }
  const nowSeconds = Math.floor(now.getTime() / 1000);
  // jose checks iat only with maxTokenAge; an ID token issued in the future is refused here, with the same skew.
  if (typeof claims.iat === 'number' && claims.iat > nowSeconds + h.clockSkewSeconds) {
    throw new BrokerError('oidc.id_token_time_invalid', `iat ${claims.iat} is in the future`);
  }
  if (typeof claims.auth_time === 'number' && claims.auth_time > nowSeconds + h.clockSkewSeconds) {
    throw new BrokerError('oidc.auth_time_invalid', `auth_time ${claims.auth_time} is in the future`);
  }
  checkIssuer(claims, policy);
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (aud.length > 1 && claims.azp === undefined) throw new BrokerError('oidc.audience_mismatch', 'several audiences and no azp (OIDC Core §3.1.3.7 item 4)');
  if (claims.azp !== undefined && claims.azp !== policy.clientId) throw new BrokerError('oidc.audience_mismatch', `azp ${String(claims.azp)} is not this client`);
  if (expectedNonce !== undefined && claims.nonce !== expectedNonce) throw new BrokerError('oidc.nonce_mismatch', 'nonce differs from the one sent');
  if (h.hostedDomains.length > 0 && !(typeof claims.hd === 'string' && h.hostedDomains.includes(claims.hd.toLowerCase()))) {
    throw new BrokerError('oidc.hosted_domain_mismatch', `hd ${String(claims.hd)} is not in hostedDomains`);
  }
  const groupsOverage = hasGroupsOverage(claims);
  if (groupsOverage && h.groupsOverage === 'refuse' && !h.graph) throw new BrokerError('oidc.groups_overage', 'groups overage (_claim_names.groups / hasgroups) and groupsOverage: refuse');
  return { claims: claims as VerifiedIdToken['claims'], header, groupsOverage };
}

/** Entra ID: the groups did not fit in the token (`_claim_names.groups` or `hasgroups: true`). Pure. */
export function hasGroupsOverage(claims: Record<string, unknown>): boolean {
  const names = claims._claim_names;
  const viaNames = !!names && typeof names === 'object' && Object.hasOwn(names as object, 'groups');
  return viaNames || claims.hasgroups === true || claims.hasgroups === 'true';
}

/**
 * The immutable subject (DESIGN.md §3): `sub`, or with `entraObjectIdSubject` `<tid>:<oid>` (B15:
 * Entra's object id is stable across apps, and the tenant keeps two tenants' users apart).
 * @throws BrokerError `mapping.subject_missing` when a needed claim is absent.
 */
export function subjectOf(claims: Record<string, unknown>, h: OidcHardening, claimName = 'sub'): string {
  if (h.entraObjectIdSubject) {
    const { tid, oid } = claims;
    if (typeof tid !== 'string' || !tid || typeof oid !== 'string' || !oid) throw new BrokerError('mapping.subject_missing', 'entraObjectIdSubject needs tid and oid');
    return `${tid}:${oid}`;
  }
  const value = claims[claimName];
  if (typeof value !== 'string' || value === '') throw new BrokerError('mapping.subject_missing', `claim ${claimName} absent`);
  return value;
}

/**
 * The issuer template of an Entra multi-tenant provider: the discovered issuer when it already
 * holds `{tenantid}`, else the configured one with its `common`/`organizations` segment replaced.
 */
export function entraIssuerTemplate(issuer: string): string {
  return issuer.includes('{tenantid}') ? issuer : issuer.replace(/\/(common|organizations)(\/|$)/, '/{tenantid}$2');
}

function checkIssuer(claims: jose.JWTPayload, policy: IdTokenPolicy): void {
  const h = policy.hardening;
  if (!h.entraMultiTenant) {
    if (claims.iss !== policy.issuer) throw new BrokerError('oidc.issuer_mismatch', `iss ${String(claims.iss)} is not ${policy.issuer}`);
    return;
  }
  const tid = (claims as Record<string, unknown>).tid;
  if (typeof tid !== 'string' || !/^[0-9a-f-]{36}$/i.test(tid)) throw new BrokerError('oidc.issuer_mismatch', 'multi-tenant token without a tenant id (tid)');
  const expected = entraIssuerTemplate(policy.issuer).replace('{tenantid}', tid);
  if (claims.iss !== expected) throw new BrokerError('oidc.issuer_mismatch', `iss ${String(claims.iss)} is not the template for tid ${tid} (B13)`);
  if (!h.tenants.includes('*') && !h.tenants.map((t) => t.toLowerCase()).includes(tid.toLowerCase())) {
    throw new BrokerError('oidc.tenant_not_allowed', `tenant ${tid} is not on oidc.tenants`);
  }
}

function joseError(err: unknown): BrokerError {
  if (err instanceof BrokerError) return err;
  const message = (err as Error)?.message ?? String(err);
  let code: ErrorCode = 'oidc.id_token_invalid';
  if (err instanceof jose.errors.JWKSNoMatchingKey) code = 'oidc.unknown_kid';
  else if (err instanceof jose.errors.JWSSignatureVerificationFailed) code = 'oidc.signature_invalid';
  else if (err instanceof jose.errors.JOSEAlgNotAllowed) code = 'oidc.alg_not_allowed';
  else if (err instanceof jose.errors.JWTExpired) code = 'oidc.id_token_expired';
  else if (err instanceof jose.errors.JWTClaimValidationFailed) {
    code = err.claim === 'aud' ? 'oidc.audience_mismatch' : err.claim === 'iat' || err.claim === 'nbf' ? 'oidc.id_token_time_invalid' : 'oidc.id_token_invalid';
  } else if (err instanceof TypeError || (err as Error)?.name === 'TimeoutError' || (err as Error)?.name === 'AbortError') code = 'upstream.unreachable';
  return new BrokerError(code, message, { cause: err });
}
