import { Module } from '@nestjs/common';

/**
 * Identity mapping (DESIGN.md §1 step 5): UpstreamAssertion → CanonicalIdentity. Pure functions
 * only (no providers). The one entry point is {@link mapIdentity}: extraction (standard OIDC
 * claims today; CEL mappings and vendor presets in a later issue) → trust step → group
 * namespacing, in that fixed order.
 */
@Module({})
export class IdentityModule {}

export type { UpstreamAssertion, CanonicalIdentity, AuthnFacts, IdentityDraft, TrustedDraft } from './types';
export { mapIdentity, type IdentitySettings } from './map-identity.rules';
export type { TrustSettings, EmailVerifiedTrust } from './trust.rules';
