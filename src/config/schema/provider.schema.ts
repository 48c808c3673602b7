import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsDefined, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, ValidateNested } from 'class-validator';
import type { LinkingPolicy, OidcProviderSettings, ProviderConfig } from '../types';
import { FieldProblems, type FieldProblem } from './problems';
import { checkDomain, checkIssuerUrl, checkScope } from './rules';
import { validateDto } from './validate-dto';

/**
 * Schema of providers/<id>.yaml (DESIGN.md §4). The DTO classes describe the file as written
 * (every field optional unless required); {@link buildProvider} adds the cross-field rules and
 * the defaults documented in ../types.ts.
 */

const LINKING_POLICIES: LinkingPolicy[] = ['none', 'email', 'user-confirmed', 'admin-bound'];
const REQUIRED = { message: 'is required' };
const STRING = { message: 'must be a string' };
const NOT_EMPTY = { message: 'must not be empty' };
const BOOLEAN = { message: 'must be true or false' };
const MAPPING = { message: 'must be a mapping' };
const LIST = { message: 'must be a list' };
const STRINGS = { each: true, message: 'must be a list of strings' };
const oneOf = (values: readonly string[]) => ({ message: `must be one of: ${values.join(', ')}` });

/** Field paths whose values must be `${ENV}` references (see ../env-refs.ts). */
export const PROVIDER_SECRET_FIELDS: ReadonlySet<string> = new Set(['oidc.clientSecret']);

/** Default scopes requested upstream (types.ts `OidcProviderSettings.scopes`). */
export const DEFAULT_PROVIDER_SCOPES = ['openid', 'email', 'profile'];

/** The `oidc:` block. */
export class OidcSettingsDto {
  @IsDefined(REQUIRED) @IsString(STRING) @IsNotEmpty(NOT_EMPTY) issuer!: string;
  @IsDefined(REQUIRED) @IsString(STRING) @IsNotEmpty(NOT_EMPTY) clientId!: string;
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) clientSecret?: string;
  @IsOptional() @IsIn(['client_secret_basic', 'client_secret_post', 'none'], oneOf(['client_secret_basic', 'client_secret_post', 'none']))
  tokenEndpointAuthMethod?: OidcProviderSettings['tokenEndpointAuthMethod'];
  @IsOptional() @IsArray(LIST) @IsString(STRINGS) scopes?: string[];
  @IsOptional() @IsBoolean(BOOLEAN) fetchUserinfo?: boolean;
  @IsOptional() @IsBoolean(BOOLEAN) allowInsecureRequests?: boolean;
}

/** The `subject:` block: `{ claim: <name> }` (OIDC) or `{ from: nameId }` (SAML). */
export class SubjectDto {
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) claim?: string;
  @IsOptional() @IsIn(['nameId'], oneOf(['nameId'])) from?: 'nameId';
}

/** The `trust:` block. */
export class TrustDto {
  @IsOptional() @IsIn(['asserted', 'always', 'never'], oneOf(['asserted', 'always', 'never']))
  emailVerified?: 'asserted' | 'always' | 'never';
  @IsOptional() @IsArray(LIST) @IsString(STRINGS) domains?: string[];
}

/** The `linking:` block. */
export class LinkingDto {
  @IsOptional() @IsIn(LINKING_POLICIES, oneOf(LINKING_POLICIES)) policy?: LinkingPolicy;
  @IsOptional() @IsIn(LINKING_POLICIES, oneOf(LINKING_POLICIES)) onConflict?: LinkingPolicy;
}

/** The `homeRealm:` block. */
export class HomeRealmDto {
  @IsOptional() @IsArray(LIST) @IsString(STRINGS) domains?: string[];
}

/** A whole providers/<id>.yaml file. `saml:` is accepted as a loosely checked mapping for now. */
export class ProviderFileDto {
  @IsDefined(REQUIRED) @IsString(STRING) @IsNotEmpty(NOT_EMPTY) displayName!: string;
  @IsDefined(REQUIRED) @IsIn(['oidc', 'saml'], oneOf(['oidc', 'saml'])) protocol!: 'oidc' | 'saml';
  @IsOptional() @IsObject(MAPPING) @ValidateNested() @Type(() => OidcSettingsDto) oidc?: OidcSettingsDto;
  @IsOptional() @IsObject(MAPPING) saml?: Record<string, unknown>;
  @IsOptional() @IsObject(MAPPING) @ValidateNested() @Type(() => SubjectDto) subject?: SubjectDto;
  @IsOptional() @IsObject(MAPPING) @ValidateNested() @Type(() => TrustDto) trust?: TrustDto;
  @IsOptional() @IsObject(MAPPING) @ValidateNested() @Type(() => LinkingDto) linking?: LinkingDto;
  @IsOptional() @IsObject(MAPPING) @ValidateNested() @Type(() => HomeRealmDto) homeRealm?: HomeRealmDto;
}

/**
 * Validates one provider file and builds its {@link ProviderConfig}.
 * - `id`: the file stem; `file`: absolute path; `plain`: the parsed mapping with `${ENV}` resolved.
 * - Rules beyond the DTO: `protocol: oidc` needs an `oidc:` block (issuer https unless
 *   allowInsecureRequests, clientId, clientSecret unless tokenEndpointAuthMethod is none, scopes
 *   containing openid, OIDC Core §3.1.2.1); `protocol: saml` needs a `saml:` block and is refused
 *   until the SAML connector exists; `subject` takes claim or from, not both; domains are lowercase
 *   DNS names.
 * - Defaults (types.ts): tokenEndpointAuthMethod client_secret_basic (none without secret), scopes
 *   [openid, email, profile], fetchUserinfo true, allowInsecureRequests false, subject `sub` claim
 *   (OIDC) or NameID (SAML), trust.emailVerified asserted, domains [], linking.policy none.
 * Returns `item` only when there are no problems. Never throws.
 */
export function buildProvider(
  id: string,
  file: string,
  plain: Record<string, unknown>,
): { item?: ProviderConfig; problems: FieldProblem[] } {
  const { dto, problems: dtoProblems } = validateDto(ProviderFileDto, plain);
  const problems = new FieldProblems();
  problems.addAll(dtoProblems);

  if (dto.protocol === 'oidc') {
    if (!dto.oidc) problems.add('oidc', 'is required when protocol is oidc');
    if (dto.saml) problems.add('saml', 'is not allowed when protocol is oidc');
    if (dto.subject?.from !== undefined) problems.add('subject.from', 'applies to SAML providers only; use subject.claim');
  } else if (dto.protocol === 'saml') {
    if (!dto.saml) problems.add('saml', 'is required when protocol is saml');
    if (dto.oidc) problems.add('oidc', 'is not allowed when protocol is saml');
    problems.add('protocol', 'saml connector is not implemented yet');
  }
  // Deny by default: a policy the broker cannot apply yet would fail every first login.
  if (dto.linking?.policy !== undefined && dto.linking.policy !== 'none') {
    problems.add('linking.policy', `${dto.linking.policy} linking is not implemented yet; only none is available`);
  }
  if (dto.linking?.onConflict !== undefined) problems.add('linking.onConflict', 'is not implemented yet (it applies to email linking)');
  if (dto.subject?.claim !== undefined && dto.subject.from !== undefined) {
    problems.add('subject', 'set either claim or from, not both');
  }
  const oidc = dto.oidc instanceof OidcSettingsDto ? checkOidc(dto.oidc, problems) : undefined;
  checkDomains(dto.trust?.domains, 'trust.domains', problems);
  checkDomains(dto.homeRealm?.domains, 'homeRealm.domains', problems);
  if (problems.size > 0) return { problems: problems.toArray() };

  const item: ProviderConfig = {
    id,
    file,
    displayName: dto.displayName,
    protocol: dto.protocol,
    ...(oidc ? { oidc } : {}),
    subject: dto.subject?.claim
      ? { claim: dto.subject.claim }
      : dto.protocol === 'saml'
        ? { from: 'nameId' }
        : { claim: 'sub' },
    trust: {
      emailVerified: dto.trust?.emailVerified ?? 'asserted',
      domains: lower(dto.trust?.domains),
    },
    linking: {
      policy: dto.linking?.policy ?? 'none',
      ...(dto.linking?.onConflict ? { onConflict: dto.linking.onConflict } : {}),
    },
    homeRealm: { domains: lower(dto.homeRealm?.domains) },
  };
  return { item, problems: [] };
}

function checkOidc(o: OidcSettingsDto, problems: FieldProblems): OidcProviderSettings | undefined {
  const allowInsecure = o.allowInsecureRequests === true;
  if (typeof o.issuer === 'string' && !problems.has('oidc.issuer')) {
    const reason = checkIssuerUrl(o.issuer, allowInsecure);
    if (reason) problems.add('oidc.issuer', reason);
  }
  const method = o.tokenEndpointAuthMethod ?? (o.clientSecret === undefined ? undefined : 'client_secret_basic');
  if (method === 'none' && o.clientSecret !== undefined) {
    problems.add('oidc.clientSecret', 'is not allowed when tokenEndpointAuthMethod is none');
  } else if (method !== 'none' && o.clientSecret === undefined) {
    problems.add('oidc.clientSecret', 'is required (or set tokenEndpointAuthMethod: none for a public upstream client)');
  }
  const scopes = o.scopes ?? DEFAULT_PROVIDER_SCOPES;
  if (Array.isArray(scopes) && !problems.has('oidc.scopes')) {
    scopes.forEach((s, i) => {
      const reason = checkScope(s);
      if (reason) problems.add(`oidc.scopes[${i}]`, reason);
    });
    if (!scopes.includes('openid')) problems.add('oidc.scopes', 'must include openid (OIDC Core §3.1.2.1)');
  }
  if (problems.has('oidc')) return undefined;
  return {
    issuer: o.issuer,
    clientId: o.clientId,
    ...(o.clientSecret !== undefined ? { clientSecret: o.clientSecret } : {}),
    tokenEndpointAuthMethod: method ?? 'none',
    scopes: [...new Set(scopes)],
    fetchUserinfo: o.fetchUserinfo ?? true,
    allowInsecureRequests: allowInsecure,
  };
}

function checkDomains(domains: string[] | undefined, field: string, problems: FieldProblems): void {
  if (!domains || problems.has(field)) return;
  domains.forEach((d, i) => {
    const reason = checkDomain(d.toLowerCase());
    if (reason) problems.add(`${field}[${i}]`, reason);
  });
}

function lower(domains: string[] | undefined): string[] {
  return [...new Set((domains ?? []).map((d) => d.toLowerCase()))];
}
