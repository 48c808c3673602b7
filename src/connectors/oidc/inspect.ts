import * as jose from 'jose';
import * as client from 'openid-client';
import { BrokerError, FixedClock } from '../../common';
import type { ProviderConfigOf } from '../../config';
import type { UpstreamAssertion } from '../../identity/identity.module';
import { buildOidcAssertion } from './assertion.rules';
import { describeError } from './errors';
import { overageFallback } from './graph-groups.rules';
import { entraIssuerTemplate, verifyIdToken } from './id-token';
import { UpstreamKeySet } from './upstream-keys';

/** What `tessera inspect oidc` hands over (files already read). */
export interface OidcInspection {
  provider: ProviderConfigOf<'oidc'>;
  idToken: string;
  userinfo?: Record<string, unknown>;
  /** The provider's JWK Set; absent → fetched from the provider (discovery, then jwks_uri). */
  jwks?: jose.JSONWebKeySet;
  /** The time to check at (default now). */
  at: Date;
  /** Checked only when given (the login transaction is not there). */
  nonce?: string;
}

/**
 * Checks an ID token offline exactly as the callback does, minus what needs the login
 * transaction (state, PKCE, the nonce unless given): alg allow-list, signature, iss (Entra
 * template and tenants), aud, azp, exp/nbf/iat/auth_time with the provider's skew, hd, groups
 * overage, the userinfo rule and the subject rule (issue 12 item 8). With `oidc.graph`, an overage
 * is decided by the provider's `groupsOverage` fallback: inspect has no access token to ask Graph.
 * @returns the UpstreamAssertion the login would produce.
 * @throws BrokerError with the stable code the login would show; `upstream.unreachable` when the
 * provider's keys cannot be fetched.
 */
export async function inspectIdToken(i: OidcInspection): Promise<UpstreamAssertion> {
  const s = i.provider.oidc;
  let issuer = s.hardening.entraMultiTenant ? entraIssuerTemplate(s.issuer) : s.issuer;
  let source: () => Promise<jose.JSONWebKeySet>;
  if (i.jwks) {
    const jwks = i.jwks;
    source = async () => jwks;
  } else {
    let config: client.Configuration;
    try {
      config = await client.discovery(new URL(s.issuer), s.clientId, undefined, client.None(), { timeout: 10, execute: s.allowInsecureRequests ? [client.allowInsecureRequests] : [] });
    } catch (err) {
      throw new BrokerError('upstream.unreachable', `discovery of ${s.issuer} failed: ${describeError(err)}`, { cause: err });
    }
    issuer = config.serverMetadata().issuer;
    const uri = config.serverMetadata().jwks_uri;
    source = async () => {
      if (!uri) throw new TypeError('the provider publishes no jwks_uri');
      const res = await fetch(uri, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new TypeError(`JWKS answered ${res.status}`);
      return (await res.json()) as jose.JSONWebKeySet;
    };
  }
  const keys = new UpstreamKeySet(source, new FixedClock(i.at));
  let verified;
  try {
    verified = await verifyIdToken(i.idToken, { issuer, clientId: s.clientId, ...(s.clientSecret ? { clientSecret: s.clientSecret } : {}), hardening: s.hardening }, keys, i.at, i.nonce);
  } catch (err) {
    if (err instanceof TypeError) throw new BrokerError('upstream.unreachable', `the provider's keys could not be fetched: ${err.message}`, { cause: err });
    throw err;
  }
  const overage = verified.groupsOverage && s.hardening.graph ? overageFallback(s.hardening, 'inspect has no access token to ask Microsoft Graph; a login would') : verified.groupsOverage;
  return buildOidcAssertion(verified.claims, i.userinfo, overage, {
    providerId: i.provider.id,
    ...(i.provider.subject.claim ? { subjectClaim: i.provider.subject.claim } : {}),
    hardening: s.hardening,
  });
}
