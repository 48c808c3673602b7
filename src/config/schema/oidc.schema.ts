import { IsBoolean, IsDefined, IsIn, IsNotEmpty, IsOptional, IsString } from 'class-validator';
import type { OidcHardening, OidcProviderSettings } from '../types';
import { FieldProblems } from './problems';
import { checkIssuerUrl, checkScope } from './rules';
import type { ProtocolSchema } from './protocol-schema';
import { IsList } from './list';
import { BOOLEAN, MUST_INCLUDE_OPENID, NOT_EMPTY, REQUIRED, STRING, oneOf } from './messages';
import { buildHardening, OidcHardeningFields } from './oidc-hardening.schema';

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;
const RESPONSE_MODES = ['query', 'form_post'] as const;

/** Default scopes requested upstream (types.ts `OidcProviderSettings.scopes`). */
export const DEFAULT_PROVIDER_SCOPES = ['openid', 'email', 'profile'];

/** The `oidc:` block of a provider file, as written. */
export class OidcSettingsDto extends OidcHardeningFields {
  @IsDefined(REQUIRED) @IsString(STRING) @IsNotEmpty(NOT_EMPTY) issuer!: string;
  @IsDefined(REQUIRED) @IsString(STRING) @IsNotEmpty(NOT_EMPTY) clientId!: string;
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) clientSecret?: string;
  @IsOptional() @IsIn(AUTH_METHODS, oneOf(AUTH_METHODS)) tokenEndpointAuthMethod?: OidcProviderSettings['tokenEndpointAuthMethod'];
  @IsOptional() @IsList({ nonEmpty: true }) scopes?: string[];
  @IsOptional() @IsBoolean(BOOLEAN) fetchUserinfo?: boolean;
  @IsOptional() @IsBoolean(BOOLEAN) allowInsecureRequests?: boolean;
  @IsOptional() @IsIn(RESPONSE_MODES, oneOf(RESPONSE_MODES)) responseMode?: OidcProviderSettings['responseMode'];
  @IsOptional() @IsBoolean(BOOLEAN) upstreamLogout?: boolean;
}

/**
 * The OpenID Connect protocol's settings schema (one file per protocol, DESIGN.md §9).
 * Rules beyond the DTO: issuer https unless allowInsecureRequests (OIDC Discovery 1.0 §4.3);
 * clientSecret required unless tokenEndpointAuthMethod is none, and refused with none; scopes
 * are RFC 6749 §3.3 tokens and contain openid (OIDC Core §3.1.2.1).
 * Defaults: tokenEndpointAuthMethod client_secret_basic (none without secret), scopes
 * [openid, email, profile], fetchUserinfo true, allowInsecureRequests false, upstreamLogout false, responseMode query
 * (`form_post`: OAuth 2.0 Form Post Response Mode, the answer arrives as a cross-site POST).
 */
export const OIDC_SCHEMA: ProtocolSchema<'oidc', OidcSettingsDto> = {
  protocol: 'oidc',
  dto: OidcSettingsDto,
  secretFields: ['clientSecret', 'privateKey'],
  build(o: OidcSettingsDto, problems: FieldProblems): OidcProviderSettings | undefined {
    const allowInsecure = o.allowInsecureRequests === true;
    if (typeof o.issuer === 'string' && !problems.has('oidc.issuer')) {
      const reason = checkIssuerUrl(o.issuer, allowInsecure);
      if (reason) problems.add('oidc.issuer', reason);
    }
    const method = o.tokenEndpointAuthMethod ?? (o.clientSecret === undefined ? undefined : 'client_secret_basic');
    if (method === 'none' && o.clientSecret !== undefined) {
      problems.add('oidc.clientSecret', 'is not allowed when tokenEndpointAuthMethod is none');
    } else if (method !== 'none' && method !== 'private_key_jwt' && o.clientSecret === undefined) {
      problems.add('oidc.clientSecret', 'is required (or set tokenEndpointAuthMethod: none for a public upstream client)');
    }
    const scopes = o.scopes ?? DEFAULT_PROVIDER_SCOPES;
    if (Array.isArray(scopes) && !problems.has('oidc.scopes')) {
      scopes.forEach((s, i) => {
        const reason = checkScope(s);
        if (reason) problems.add(`oidc.scopes[${i}]`, reason);
      });
      if (!scopes.includes('openid')) problems.add('oidc.scopes', MUST_INCLUDE_OPENID);
    }
    const hardening: OidcHardening | undefined = buildHardening(o, method, problems);
    if (problems.has('oidc') || !hardening) return undefined;
    return {
      issuer: o.issuer,
      clientId: o.clientId,
      ...(o.clientSecret !== undefined ? { clientSecret: o.clientSecret } : {}),
      tokenEndpointAuthMethod: method ?? 'none',
      scopes: [...new Set(scopes)],
      fetchUserinfo: o.fetchUserinfo ?? true,
      allowInsecureRequests: allowInsecure,
      responseMode: o.responseMode ?? 'query',
      upstreamLogout: o.upstreamLogout ?? false,
      hardening,
    };
  },
  insecure: (s) => s.allowInsecureRequests,
};
