/**
 * Extraction step of the identity mapping (DESIGN.md §1 step 5, issue 5 item 6): the standard OIDC
 * claims (OIDC Core §5.1) of an assertion, read into an {@link IdentityDraft}. CEL mappings and
 * vendor presets replace this step in a later issue; the trust step and group namespacing always
 * run after whichever extraction a provider uses. Pure: no I/O, no clock.
 */
import { BrokerError, ErrorCodes } from '../common';
import { normalizeEmail } from './email.rules';
import type { IdentityDraft, UpstreamAssertion } from './types';

/** The first value of an attribute that is neither null nor "" (OIDC Core §5.1: one value per claim). */
const first = (a: UpstreamAssertion, key: string): string | undefined => {
  const v = a.attributes[key]?.find((x) => x !== null && x !== '');
  return v ?? undefined;
};

/** Every value of an attribute that is neither null nor "", in the order sent. */
const all = (a: UpstreamAssertion, key: string): string[] =>
  (a.attributes[key] ?? []).filter((v): v is string => typeof v === 'string' && v !== '');

/**
 * The subject of an assertion, which must not be blank (bugs-log B09). Kept verbatim: it is an
 * opaque, immutable key.
 * @throws BrokerError `mapping.subject_missing` when the subject is empty or whitespace only.
 */
export function requireSubject(a: Pick<UpstreamAssertion, 'providerId' | 'subject'>): string {
  if (!a.subject || a.subject.trim() === '') {
    throw new BrokerError(ErrorCodes.mappingSubjectMissing, `provider ${a.providerId} sent no subject`);
  }
  return a.subject;
}

/**
 * Reads the standard claims into a draft:
 * - `subject`: the assertion's subject, required (see {@link requireSubject});
 * - `email`: the first non-empty `email` value, normalized by `normalizeEmail` (dropped when it is
 *   not a plain addr-spec);
 * - `emailVerifiedClaim`: every non-empty `email_verified` value, as sent (the IdP's word; the
 *   draft has no verified flag, so extraction can never mark an address verified);
 * - `name`, `givenName`, `familyName`, `preferredUsername`: the first non-empty value of `name`,
 *   `given_name`, `family_name`, `preferred_username`, verbatim;
 * - `groups`: every non-empty `groups` value, verbatim and un-namespaced;
 * - `attributes`: `{}` (the standard claims declare no extras).
 *
 * @throws BrokerError `mapping.subject_missing` when the subject is empty.
 */
export function extractStandardClaims(assertion: UpstreamAssertion): IdentityDraft {
  return {
    subject: requireSubject(assertion),
    email: normalizeEmail(first(assertion, 'email')),
    emailVerifiedClaim: all(assertion, 'email_verified'),
    name: first(assertion, 'name'),
    givenName: first(assertion, 'given_name'),
    familyName: first(assertion, 'family_name'),
    preferredUsername: first(assertion, 'preferred_username'),
    groups: all(assertion, 'groups'),
    attributes: {},
  };
}
