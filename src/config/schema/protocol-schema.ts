import type { ProtocolSettings } from '../types';
import type { FieldProblems } from './problems';

/**
 * One upstream protocol's block in providers/<id>.yaml (`oidc:`, later `saml:`), DESIGN.md §9:
 * a protocol is a schema file here plus a connector folder under connectors/, nothing else.
 * @typeParam P   the protocol name, which is also the block's key in the file.
 * @typeParam Dto the class-validator DTO of the block as written.
 */
export interface ProtocolSchema<P extends keyof ProtocolSettings, Dto extends object> {
  protocol: P;
  /** Validates the block's fields (unknown fields refused). */
  dto: new () => Dto;
  /** Fields of the block whose values must be `${ENV}` references (secrets). */
  secretFields: readonly string[];
  /**
   * Cross-field rules and defaults. Problems use the full dotted path (`oidc.issuer`).
   * @returns the typed settings, or undefined when the block has problems. Never throws.
   */
  build(dto: Dto, problems: FieldProblems): ProtocolSettings[P] | undefined;
  /** True when the settings allow plain-http upstream calls (refused under NODE_ENV=production). */
  insecure(settings: ProtocolSettings[P]): boolean;
}
