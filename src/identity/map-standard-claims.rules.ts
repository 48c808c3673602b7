import { domainToASCII } from 'node:url';
import { BrokerError, ErrorCodes } from '../common';
import type { CanonicalIdentity, UpstreamAssertion } from './types';

/** How much a provider's word on email verification is trusted (DESIGN.md §4 `trust.emailVerified`). */
export type EmailVerifiedTrust = 'asserted' | 'always' | 'never';

/** The mapping settings this function needs from a provider's configuration. */
export interface StandardMappingSettings {
  emailVerified: EmailVerifiedTrust;
  /** Lower-case email domains this IdP is authoritative for (`trust.domains`); empty = none. */
  trustedDomains: readonly string[];
}

const first = (a: UpstreamAssertion, key: string): string | undefined => {
  const v = a.attributes[key]?.find((x) => x !== null && x !== '');
  return v ?? undefined;
};

/**
 * Maps the standard OIDC claims (OIDC Core §5.1) of an assertion into a CanonicalIdentity.
 * Pure: no I/O, no clock.
 *
 * - `email` must be a plain addr-spec (RFC 5322 §3.4.1: an ASCII dot-atom local part, one `@`,
 *   a dotted domain); anything else (display names, spaces, control or look-alike characters) is
 *   dropped. Surrounding whitespace is trimmed; the domain is lower-cased, Unicode domains in
 *   their IDNA ASCII form; the local part is kept as sent (RFC 5321 §2.4).
 * - `emailVerified` (DESIGN.md §4 `trust.emailVerified`, bugs-log B10): the IdP's
 *   `email_verified` claim ("true"/"false") when sent. When absent: `asserted` → 'unknown',
 *   `always` → true (the admin vouches for this IdP). An explicit "false" stays false even under
 *   `always`. `never` → always false. No usable email → false.
 * - An IdP vouches only for the domains it is authoritative for (`trust.domains`, exact match):
 *   an email in any other domain is never verified, whatever the IdP says (bugs-log B15, nOAuth:
 *   a tenant admin can set any address). Deny by default: no domains listed, nothing verified.
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
  if (email && settings.emailVerified !== 'never') {
    // Exactly one value, or the IdP said nothing clear: several values never verify.
    const said = (a.attributes['email_verified'] ?? []).filter((v) => v !== null && v !== '');
    const claim = said.length === 0 ? undefined : said.length === 1 ? said[0] : 'false';
    if (claim !== undefined) emailVerified = claim === 'true';
    else emailVerified = settings.emailVerified === 'always' ? true : 'unknown';
    const domain = email.slice(email.lastIndexOf('@') + 1);
    if (emailVerified === true && !settings.trustedDomains.includes(domain)) emailVerified = false;
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

/** Local part: an ASCII dot-atom (RFC 5322 §3.2.3, §3.4.1); no quoted forms, no look-alike characters. */
const LOCAL_PART = /^(?=.{1,64}$)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
/** Domain after IDNA to ASCII: dot-separated LDH labels, at least two (RFC 5890, RFC 1123 §2.1). */
const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

function normalizeEmail(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const t = raw.trim();
  const parts = t.split('@');
  if (parts.length !== 2) return undefined;
  const [local, rawDomain] = parts;
  // IDNA would silently drop these (tab, CR, LF, soft hyphen) and join what is left.
  if (/[\s\u0000-\u001f\u007f-\u009f\u00ad]/.test(rawDomain)) return undefined;
  // IDNA: Unicode domains become their ASCII (punycode) form, so `trust.domains` (ASCII) compares exactly.
  const domain = /^[\x21-\x7e]+$/.test(rawDomain) ? rawDomain.toLowerCase() : domainToASCII(rawDomain);
  if (!LOCAL_PART.test(local) || !DOMAIN.test(domain)) return undefined;
  return `${local}@${domain}`;
}
