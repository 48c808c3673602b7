/**
 * The identity mapping (DESIGN.md §1 step 5): UpstreamAssertion → CanonicalIdentity as a fixed
 * pipeline of pure steps (issue 5 item 6, issue 10 items 1–6):
 *
 *   subject check → CEL mapping (preset + overrides, attributes, condition) → trust step →
 *   group namespacing → CanonicalIdentity
 *
 * The provider id, issuer, subject and authentication facts are taken from the assertion, never
 * from a mapping. Pure: no I/O, no clock; the assertion is not modified.
 */
import { BrokerError } from '../common';
import { requireSubject } from './extract-standard-claims.rules';
import { presetMapping, runMapping, type CompiledMapping } from './mapping.rules';
import { namespaceGroups } from './namespace-groups.rules';
import { applyTrust, type TrustSettings } from './trust.rules';
import type { CanonicalIdentity, MappingTrace, UpstreamAssertion } from './types';

/** What the mapping needs from a provider's configuration (DESIGN.md §4). */
export interface IdentitySettings {
  /** The provider's `trust` block: `emailVerified` and `domains`. */
  readonly trust: TrustSettings;
  /** The provider's compiled mapping (preset, overrides, attributes, condition); default generic-oidc. */
  readonly mapping?: CompiledMapping;
}

/**
 * Maps an assertion into the canonical identity: the one entry point login/ calls.
 *
 * @param assertion what the provider's connector validated.
 * @param settings the provider's identity settings.
 * @param trace optional redacted record, filled step by step (also when the mapping fails).
 * @returns a new CanonicalIdentity (`attributes` and `groups` are fresh objects).
 * @throws BrokerError `mapping.subject_missing` when the subject is empty (B09), nothing else
 *   is read then; `mapping.cardinality` (B08), `mapping.expression_failed`,
 *   `mapping.condition_failed` from the CEL mapping.
 */
export function mapIdentity(assertion: UpstreamAssertion, settings: IdentitySettings, trace?: MappingTrace): CanonicalIdentity {
  const mapping = settings.mapping ?? presetMapping('generic-oidc');
  if (trace) {
    trace.preset = mapping.preset;
    for (const [k, v] of Object.entries(assertion.attributes)) trace.attributes[k] = Array.isArray(v) ? v.length : 0;
  }
  try {
    const subject = requireSubject(assertion);
    const { draft, assurance } = runMapping(assertion, mapping, subject, trace);
    const trusted = applyTrust(draft, settings.trust);
    if (trace) {
      trace.emailVerified = trusted.emailVerified;
      trace.assurance = assurance;
    }
    const visible: string[] = [];
    for (const a of mapping.attributes) if (a.visibleToAuthorization && Object.hasOwn(trusted.attributes, a.name)) visible.push(a.name);
    // Built in place, keys in the documented order: object spreads here cost V8 more than the
    // CEL mapping itself (issue 10 benchmark).
    const identity: { -readonly [K in keyof CanonicalIdentity]: CanonicalIdentity[K] } = {
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
      attributes: isEmpty(trusted.attributes) ? {} : { ...trusted.attributes },
    } as CanonicalIdentity;
    if (visible.length > 0) identity.authorizationAttributes = visible;
    identity.assurance = assurance;
    identity.authn = assertion.authn;
    return identity;
  } catch (err) {
    if (trace && err instanceof BrokerError) trace.error = err.code;
    throw err;
  }
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}
