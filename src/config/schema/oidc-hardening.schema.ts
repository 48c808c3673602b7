// class-transformer's @Type reads design-time metadata; this file is also loaded on its own (inspect, tests).
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';
import type { OidcGraphSettings, OidcHardening } from '../types';
import type { FieldProblems } from './problems';
import { IsList } from './list';
import { BOOLEAN, MAPPING, NOT_EMPTY, REQUIRED, STRING, oneOf, wholeSeconds } from './messages';
import { parseHttpUrl } from './rules';

/** ID token algorithms accepted by default (issue 12 item 2): asymmetric only. */
export const DEFAULT_ID_TOKEN_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
/** Every JWS algorithm a provider file may list; `none` is not one of them (RFC 8725 §3.1). */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'HS256', 'HS384', 'HS512'] as const;
const OVERAGE = ['refuse', 'mark-incomplete'] as const;
/** Microsoft Graph's global origin, the default `oidc.graph.baseUrl`. */
export const DEFAULT_GRAPH_BASE_URL = 'https://graph.microsoft.com';
/** `oidc.graph.timeoutSeconds`: default and bounds, seconds for the whole fetch. */
export const DEFAULT_GRAPH_TIMEOUT_SECONDS = 5;
const GRAPH_TIMEOUT = wholeSeconds(1, 30);
/** Clock skew: default and ceiling, seconds (issue 12 item 3). */
export const DEFAULT_CLOCK_SKEW_SECONDS = 60;
export const MAX_CLOCK_SKEW_SECONDS = 300;

/** The hardening defaults of an `oidc:` block that sets none of them. */
export const DEFAULT_OIDC_HARDENING: OidcHardening = {
  algorithms: DEFAULT_ID_TOKEN_ALGORITHMS,
  clockSkewSeconds: DEFAULT_CLOCK_SKEW_SECONDS,
  entraMultiTenant: false,
  tenants: [],
  entraObjectIdSubject: false,
  groupsOverage: 'refuse',
  hostedDomains: [],
};

/** `oidc.graph`: fetch overage groups from Microsoft Graph (docs/oidc.md "Groups overage"). */
export class OidcGraphDto {
  @IsDefined(REQUIRED) @IsBoolean(BOOLEAN) enabled!: boolean;
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) baseUrl?: string;
  @IsOptional() @IsInt(GRAPH_TIMEOUT) @Min(1, GRAPH_TIMEOUT) @Max(30, GRAPH_TIMEOUT) timeoutSeconds?: number;
}

/** The issue-12 fields of the `oidc:` block, as written (inherited by OidcSettingsDto). */
export class OidcHardeningFields {
  /** private_key_jwt: a private JWK as JSON, from `${ENV}` (a secret field). */
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) privateKey?: string;
  @IsOptional() @IsList({ nonEmpty: true, values: ALGORITHMS }) algorithms?: string[];
  @IsOptional() @IsInt(wholeSeconds(0, MAX_CLOCK_SKEW_SECONDS)) @Min(0, wholeSeconds(0, MAX_CLOCK_SKEW_SECONDS)) @Max(MAX_CLOCK_SKEW_SECONDS, wholeSeconds(0, MAX_CLOCK_SKEW_SECONDS)) clockSkewSeconds?: number;
  @IsOptional() @IsBoolean(BOOLEAN) entraMultiTenant?: boolean;
  @IsOptional() @IsList() tenants?: string[];
  @IsOptional() @IsBoolean(BOOLEAN) entraObjectIdSubject?: boolean;
  @IsOptional() @IsIn(OVERAGE, oneOf(OVERAGE)) groupsOverage?: OidcHardening['groupsOverage'];
  @IsOptional() @IsObject(MAPPING) @ValidateNested() @Type(() => OidcGraphDto) graph?: OidcGraphDto;
  @IsOptional() @IsList() hostedDomains?: string[];
  @IsOptional() @IsInt(wholeSeconds(60, 86_400)) @Min(60, wholeSeconds(60, 86_400)) @Max(86_400, wholeSeconds(60, 86_400)) revalidateEverySeconds?: number;
}

/**
 * Cross-field rules of the hardening fields (issue 12, docs/oidc.md), reported under `oidc.<field>`:
 * - `privateKey` only with `tokenEndpointAuthMethod: private_key_jwt`: a JSON private JWK (has
 *   `d`) of an asymmetric key; without it Tessera generates an ES256 key and keeps it encrypted;
 * - an HMAC algorithm in `algorithms` needs `clientSecret` (OIDC Core §10.1: HMAC ID tokens are
 *   keyed with the client secret, never with a public key);
 * - `tenants` only with `entraMultiTenant`, which needs at least one tenant (or `'*'`, any tenant,
 *   said explicitly; B13);
 * - `clockSkewSeconds` 0–300 (default 60), `revalidateEverySeconds` 60–86400;
 * - `graph.baseUrl` an origin only (scheme, host, port), https unless allowInsecureRequests;
 *   `graph.timeoutSeconds` 1–30 (default 5); both only with `graph.enabled: true`.
 * @returns the settings, or undefined when there are problems. Never throws.
 */
export function buildHardening(o: OidcHardeningFields & { clientSecret?: string; allowInsecureRequests?: boolean }, method: string | undefined, problems: FieldProblems): OidcHardening | undefined {
  let privateKeyJwk: Record<string, unknown> | undefined;
  if (method === 'private_key_jwt') {
    // Without privateKey, Tessera generates one and keeps it encrypted (connectors/oidc/client-keys.ts).
    if (o.privateKey !== undefined) {
      try {
        const jwk = JSON.parse(o.privateKey) as unknown;
        if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk) || typeof (jwk as { d?: unknown }).d !== 'string' || !['RSA', 'EC', 'OKP'].includes(String((jwk as { kty?: unknown }).kty))) {
          problems.add('oidc.privateKey', 'must be a private JWK of kty RSA, EC or OKP (with "d")');
        } else privateKeyJwk = jwk as Record<string, unknown>;
      } catch {
        problems.add('oidc.privateKey', 'must be a private JWK as JSON');
      }
    }
  } else if (o.privateKey !== undefined) {
    problems.add('oidc.privateKey', 'is allowed only with tokenEndpointAuthMethod private_key_jwt');
  }
  const algorithms = o.algorithms ?? DEFAULT_ID_TOKEN_ALGORITHMS;
  if (Array.isArray(algorithms) && algorithms.some((a) => a.startsWith('HS')) && o.clientSecret === undefined) {
    problems.add('oidc.algorithms', 'HMAC algorithms need clientSecret (the ID token is keyed with it, OIDC Core §10.1)');
  }
  if (o.tenants !== undefined && o.entraMultiTenant !== true) problems.add('oidc.tenants', 'is allowed only with entraMultiTenant: true');
  if (o.entraMultiTenant === true && (o.tenants ?? []).length === 0) {
    problems.add('oidc.tenants', "must list the accepted tenant ids (tid), or '*' to accept any tenant (B13)");
  }
  const graph = buildGraph(o.graph, o.allowInsecureRequests === true, problems);
  if (problems.has('oidc')) return undefined;
  return {
    ...(privateKeyJwk ? { privateKeyJwk } : {}),
    algorithms: [...new Set(algorithms)],
    clockSkewSeconds: o.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS,
    entraMultiTenant: o.entraMultiTenant ?? false,
    tenants: o.tenants ?? [],
    entraObjectIdSubject: o.entraObjectIdSubject ?? false,
    groupsOverage: o.groupsOverage ?? 'refuse',
    ...(graph ? { graph } : {}),
    hostedDomains: (o.hostedDomains ?? []).map((d) => d.toLowerCase()),
    ...(o.revalidateEverySeconds !== undefined ? { revalidateEverySeconds: o.revalidateEverySeconds } : {}),
  };
}

/**
 * `oidc.graph` as settings: undefined when absent or `enabled: false` (then `baseUrl` and
 * `timeoutSeconds` are refused: they would do nothing). The base URL is an origin: Tessera appends
 * the Graph path itself and never follows a URL from the token (docs/oidc.md "Groups overage").
 */
function buildGraph(g: OidcGraphDto | undefined, allowInsecure: boolean, problems: FieldProblems): OidcGraphSettings | undefined {
  if (g === undefined || problems.has('oidc.graph')) return undefined;
  if (g.enabled !== true) {
    if (g.baseUrl !== undefined) problems.add('oidc.graph.baseUrl', 'is allowed only with graph.enabled: true');
    if (g.timeoutSeconds !== undefined) problems.add('oidc.graph.timeoutSeconds', 'is allowed only with graph.enabled: true');
    return undefined;
  }
  const baseUrl = g.baseUrl ?? DEFAULT_GRAPH_BASE_URL;
  const reason = graphBaseUrlProblem(baseUrl, allowInsecure);
  if (reason) {
    problems.add('oidc.graph.baseUrl', reason);
    return undefined;
  }
  return { baseUrl: new URL(baseUrl).origin, timeoutSeconds: g.timeoutSeconds ?? DEFAULT_GRAPH_TIMEOUT_SECONDS };
}

/** Why `value` cannot be the Graph base URL (an http(s) origin, nothing else), or undefined. Pure. */
export function graphBaseUrlProblem(value: string, allowInsecure: boolean): string | undefined {
  const url = parseHttpUrl(value, allowInsecure);
  if (typeof url === 'string') return url;
  if (url.username || url.password) return 'must not contain credentials';
  if (url.pathname !== '/' || url.search || url.hash || /[?#]/.test(value)) return 'must be an origin only, such as https://graph.microsoft.com (Tessera adds /v1.0/me/transitiveMemberOf)';
  return undefined;
}
