import { BrokerError, ErrorCodes } from '../common';
import type { CanonicalIdentity, UpstreamAssertion } from './types';

/** How much a provider's word on email verification is trusted (DESIGN.md §4 `trust.emailVerified`). */
export type EmailVerifiedTrust = 'asserted' | 'always' | 'never';

/** The mapping settings this function needs from a provider's configuration. */
export interface StandardMappingSettings {
  emailVerified: EmailVerifiedTrust;
}

const first = (a: UpstreamAssertion, key: string): string | undefined => {
  const v = a.attributes[key]?.find((x) => x !== null && x !== '');
  return v ?? undefined;
};

/**
 * Maps the standard OIDC claims (OIDC Core §5.1) of an assertion into a CanonicalIdentity.
 * Pure: no I/O, no clock.
 *
 * - `email` is trimmed; its domain is lower-cased (the local part is kept as sent, RFC 5321 §2.4).
 * - `emailVerified`: with trust `asserted`, the IdP's `email_verified` claim ("true"/"false");
 *   absent means 'unknown'. `always` → true, `never` → false. No email → false.
 * - `groups`: values of the `groups` claim, namespaced `<providerId>:<group>`.
 *
 * @throws BrokerError `mapping.subject_missing` when the subject is empty.
 */
export function mapStandardClaims(a: UpstreamAssertion, settings: StandardMappingSettings): CanonicalIdentity {
  if (!a.subject || a.subject.trim() === '') {
    throw new BrokerError(ErrorCodes.mappingSubjectMissing, `provider ${a.providerId} sent no subject`);
  }
  const email = normalizeEmail(first(a, 'email'));
  let emailVerified: boolean | 'unknown' = false;
  if (email) {
    if (settings.emailVerified === 'always') emailVerified = true;
    else if (settings.emailVerified === 'never') emailVerified = false;
    else {
      const claim = first(a, 'email_verified');
      emailVerified = claim === undefined ? 'unknown' : claim === 'true';
    }
  }
  const groups = (a.attributes['groups'] ?? [])
    .filter((g): g is string => typeof g === 'string' && g !== '')
    .map((g) => `${a.providerId}:${g}`);
  return {
    providerId: a.providerId,
    issuer: a.issuer,
    subject: a.subject,
    email,
    emailVerified,
    name: first(a, 'name'),
    givenName: first(a, 'given_name'),
    familyName: first(a, 'family_name'),
    preferredUsername: first(a, 'preferred_username'),
    groups: [...new Set(groups)],
    attributes: {},
    authn: a.authn,
  };
}

function normalizeEmail(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const t = raw.trim();
  const at = t.lastIndexOf('@');
  if (at <= 0 || at === t.length - 1) return undefined;
  return `${t.slice(0, at)}@${t.slice(at + 1).toLowerCase()}`;
}
