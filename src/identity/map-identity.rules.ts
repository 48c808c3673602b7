/**
 * The identity mapping (DESIGN.md §1 step 5): UpstreamAssertion → CanonicalIdentity as a fixed
 * pipeline of pure steps (issue 5 item 6):
 *
 *   extraction (standard claims) → trust step → group namespacing → CanonicalIdentity
 *
 * The provider id, issuer and authentication facts are taken from the assertion, never from a
 * mapping. Pure: no I/O, no clock; the assertion is not modified.
 */
import { extractStandardClaims } from './extract-standard-claims.rules';
import { namespaceGroups } from './namespace-groups.rules';
import { applyTrust, type TrustSettings } from './trust.rules';
import type { CanonicalIdentity, UpstreamAssertion } from './types';

/** What the mapping needs from a provider's configuration (DESIGN.md §4). */
export interface IdentitySettings {
  /** The provider's `trust` block: `emailVerified` and `domains`. */
  readonly trust: TrustSettings;
}

/**
 * Maps an assertion into the canonical identity: the one entry point login/ calls.
 *
 * @param assertion what the provider's connector validated.
 * @param settings the provider's identity settings.
 * @returns a new CanonicalIdentity (`attributes` and `groups` are fresh objects).
 * @throws BrokerError `mapping.subject_missing` when the subject is empty (bugs-log B09).
 */
export function mapIdentity(assertion: UpstreamAssertion, settings: IdentitySettings): CanonicalIdentity {
  const draft = extractStandardClaims(assertion);
  const trusted = applyTrust(draft, settings.trust);
  return {
    providerId: assertion.providerId,
    issuer: assertion.issuer,
    subject: trusted.subject,
    email: trusted.email,
    emailVerified: trusted.emailVerified,
    name: trusted.name,
    givenName: trusted.givenName,
    familyName: trusted.familyName,
    preferredUsername: trusted.preferredUsername,
    groups: namespaceGroups(assertion.providerId, trusted.groups),
    attributes: { ...trusted.attributes },
    authn: assertion.authn,
  };
}
