import { Module } from '@nestjs/common';

/**
 * Identity mapping: UpstreamAssertion → CanonicalIdentity. Pure functions only (no providers);
 * CEL mappings and vendor presets arrive in a later issue.
 */
@Module({})
export class IdentityModule {}

export type { UpstreamAssertion, CanonicalIdentity, AuthnFacts } from './types';
export { mapStandardClaims, type EmailVerifiedTrust, type StandardMappingSettings } from './map-standard-claims.rules';
