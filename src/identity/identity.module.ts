import { Module } from '@nestjs/common';

/**
 * Identity mapping (DESIGN.md §1 step 5): UpstreamAssertion → CanonicalIdentity. Pure functions
 * only (no providers). The one entry point is {@link mapIdentity}: subject check → CEL mapping
 * (vendor preset + overrides, declared attributes, condition) → trust step → group namespacing.
 * Config compiles mappings once at load with {@link compileMapping}.
 */
@Module({})
export class IdentityModule {}

export type { UpstreamAssertion, CanonicalIdentity, AuthnFacts, IdentityDraft, TrustedDraft, Assurance, MappingTrace } from './types';
export { ASSURANCE_RANK } from './types';
export { mapIdentity, type IdentitySettings } from './map-identity.rules';
export { compileMapping, presetMapping, type CompiledMapping, type CompiledAttribute, type MappingSpec, type MappingProblem } from './mapping.rules';
export { PRESET_NAMES, CANONICAL_FIELDS, type PresetName, type CanonicalField } from './presets';
export { emailKey } from './email.rules';
export type { TrustSettings, EmailVerifiedTrust } from './trust.rules';
