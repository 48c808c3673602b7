import { Type } from 'class-transformer';
import { IsArray, IsDefined, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, ValidateNested } from 'class-validator';
import { compileMapping, PRESET_NAMES } from '../../identity/identity.module';
import type { LinkingPolicy, Protocol, ProtocolSettings, ProviderConfig } from '../types';
import { OIDC_SCHEMA } from './oidc.schema';
import { OAUTH2_SCHEMA } from './oauth2.schema';
import { SAML_SCHEMA } from './saml.schema';
import type { ProtocolSchema } from './protocol-schema';
import { FieldProblems, type FieldProblem } from './problems';
import { IsList } from './list';
import { checkDomain } from './rules';
import { validateDto } from './validate-dto';
import { EMPTY_LIST, MAPPING, NOT_EMPTY, REQUIRED, STRING, oneOf } from './messages';

/**
 * Schema of providers/<id>.yaml (DESIGN.md §4). The DTO classes describe the file as written
 * (every field optional unless required); {@link buildProvider} adds the cross-field rules and
 * the defaults documented in ../types.ts.
 */

const LINKING_POLICIES: LinkingPolicy[] = ['none', 'email', 'user-confirmed', 'admin-bound'];

/** Protocols a provider file may name; those without a schema in {@link PROTOCOL_SCHEMAS} are refused as not implemented. */
const KNOWN_PROTOCOLS = ['oidc', 'saml', 'oauth2'] as const;
type KnownProtocol = (typeof KNOWN_PROTOCOLS)[number];

/**
 * The settings schema of each implemented protocol (DESIGN.md §9). A new protocol adds its
 * schema file and one entry here.
 */

export const PROTOCOL_SCHEMAS: { [P in Protocol]: ProtocolSchema<P, any> } = { oidc: OIDC_SCHEMA, saml: SAML_SCHEMA, oauth2: OAUTH2_SCHEMA };

/** Field paths whose values must be `${ENV}` references (see ../env-refs.ts). */
export const PROVIDER_SECRET_FIELDS: ReadonlySet<string> = new Set(
  Object.values(PROTOCOL_SCHEMAS).flatMap((schema) => schema.secretFields.map((f) => `${schema.protocol}.${f}`)),
);

export { DEFAULT_PROVIDER_SCOPES } from './oidc.schema';

/** The `subject:` block: `{ claim: <name> }` (OIDC) or `{ from: nameId }` (SAML). */
export class SubjectDto {
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) claim?: string;
  @IsOptional() @IsIn(['nameId'], oneOf(['nameId'])) from?: 'nameId';
  /** SAML: the subject is this attribute's single value instead of the NameID. */
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) attribute?: string;
}

/** The `trust:` block. */
export class TrustDto {
  @IsOptional() @IsIn(['asserted', 'always', 'never'], oneOf(['asserted', 'always', 'never']))
  emailVerified?: 'asserted' | 'always' | 'never';
  @IsOptional() @IsList() domains?: string[];
}

const ON_CONFLICT = ['reject', 'user-confirmed', 'create'] as const;
const SYNC = ['always', 'first-login'] as const;
/** Fields `syncClearsMissing:` may list (linking/ profile.rules CLEARABLE_FIELDS; config/ keeps its own copy). */
const CLEARABLE = ['email', 'name', 'givenName', 'familyName', 'preferredUsername'] as const;

/** The `linking:` block (issue 10 item 8). */
export class LinkingDto {
  @IsOptional() @IsIn(LINKING_POLICIES, oneOf(LINKING_POLICIES)) policy?: LinkingPolicy;
  @IsOptional() @IsIn(ON_CONFLICT, oneOf([...ON_CONFLICT])) onConflict?: (typeof ON_CONFLICT)[number];
  /** user-confirmed: may the user decline and get a new principal instead. Default false. */
  @IsOptional() @IsIn([true, false], { message: 'must be true or false' }) allowDecline?: boolean;
}

/** The `homeRealm:` block. */
export class HomeRealmDto {
  @IsOptional() @IsList() domains?: string[];
}

/** A whole providers/<id>.yaml file; the protocol block is checked by its {@link ProtocolSchema}. */
export class ProviderFileDto {
  @IsDefined(REQUIRED) @IsString(STRING) @IsNotEmpty(NOT_EMPTY) displayName!: string;
  @IsDefined(REQUIRED) @IsIn(KNOWN_PROTOCOLS, oneOf(KNOWN_PROTOCOLS)) protocol!: KnownProtocol;
  /** Protocol blocks are validated by their own schema (PROTOCOL_SCHEMAS); here only their shape. */
  @IsOptional() @IsObject(MAPPING) oidc?: Record<string, unknown>;
  @IsOptional() @IsObject(MAPPING) saml?: Record<string, unknown>;
  @IsOptional() @IsObject(MAPPING) oauth2?: Record<string, unknown>;
  @IsOptional() @IsObject(MAPPING) @ValidateNested() @Type(() => SubjectDto) subject?: SubjectDto;
  @IsOptional() @IsObject(MAPPING) @ValidateNested() @Type(() => TrustDto) trust?: TrustDto;
  @IsOptional() @IsObject(MAPPING) @ValidateNested() @Type(() => LinkingDto) linking?: LinkingDto;
  @IsOptional() @IsObject(MAPPING) @ValidateNested() @Type(() => HomeRealmDto) homeRealm?: HomeRealmDto;
  /** Identity mapping (issue 10): vendor preset, CEL overrides, declared attributes, condition, sync. */
  @IsOptional() @IsIn(PRESET_NAMES, oneOf([...PRESET_NAMES])) preset?: string;
  @IsOptional() @IsObject(MAPPING) mapping?: Record<string, unknown>;
  @IsOptional() @IsArray({ message: 'must be a list' }) attributes?: unknown[];
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) condition?: string;
  @IsOptional() @IsIn(SYNC, oneOf([...SYNC])) sync?: (typeof SYNC)[number];
  /** Profile fields a missing claim clears (issue 10 item 12); default none: absence keeps the stored value. */
  @IsOptional() @IsList({ values: CLEARABLE }) syncClearsMissing?: Array<(typeof CLEARABLE)[number]>;
  /** Upstream acr value to request for each canonical level (B43), e.g. { aal2: "urn:idp:mfa" }. */
  @IsOptional() @IsObject(MAPPING) acrValues?: Record<string, unknown>;
}

/**
 * Validates one provider file and builds its {@link ProviderConfig}.
 * - `id`: the file stem; `file`: absolute path; `plain`: the parsed mapping with `${ENV}` resolved.
 * - Rules beyond the DTO: `protocol: oidc` needs an `oidc:` block (issuer https unless
 *   allowInsecureRequests, clientId, clientSecret unless tokenEndpointAuthMethod is none, scopes
 *   containing openid, OIDC Core §3.1.2.1); `protocol: saml` needs a `saml:` block and is refused
 *   until the SAML connector exists; `subject` takes claim or from, not both; domains are email
 *   domains of at least two labels (a single label such as `localhost` never matches an email,
 *   see rules.ts checkDomain); `trust.emailVerified: always` needs `trust.domains` (an IdP
 *   vouches only for the domains it lists, src/identity/trust.rules.ts, so it would verify no one).
 * - Defaults (types.ts): tokenEndpointAuthMethod client_secret_basic (none without secret), scopes
 *   [openid, email, profile], fetchUserinfo true, allowInsecureRequests false, subject `sub` claim
 *   (OIDC) or NameID (SAML), trust.emailVerified asserted, domains [], linking.policy none,
 *   sync always, syncClearsMissing [] (a claim the IdP stopped sending keeps the stored value).
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

  for (const other of KNOWN_PROTOCOLS) {
    if (other !== dto.protocol && plain[other] !== undefined && KNOWN_PROTOCOLS.includes(dto.protocol)) {
      problems.add(other, `is not allowed when protocol is ${dto.protocol}`);
    }
  }
  if (KNOWN_PROTOCOLS.includes(dto.protocol) && plain[dto.protocol] === undefined) {
    problems.add(dto.protocol, `is required when protocol is ${dto.protocol}`);
  }
  const schema = isImplemented(dto.protocol) ? PROTOCOL_SCHEMAS[dto.protocol] : undefined;
  if (KNOWN_PROTOCOLS.includes(dto.protocol) && !schema) problems.add('protocol', `${dto.protocol} connector is not implemented yet`);
  if (dto.protocol === 'oauth2' && dto.subject !== undefined) problems.add('subject', 'does not apply to OAuth 2.0 providers; use oauth2.fields.subject');
  if (dto.protocol === 'oidc' && dto.subject?.from !== undefined) problems.add('subject.from', 'applies to SAML providers only; use subject.claim');
  if (dto.linking?.onConflict !== undefined && dto.linking.policy !== 'email') problems.add('linking.onConflict', 'applies to policy email only');
  const compiled = compileMapping({ preset: dto.preset, mapping: dto.mapping, attributes: dto.attributes, condition: dto.condition }, dto.protocol === 'saml' ? 'generic-saml' : 'generic-oidc');
  for (const p of compiled.problems) problems.add(p.field, p.reason);
  const acrValues = checkAcrValues(dto.acrValues, problems);
  if (dto.subject?.claim !== undefined && dto.subject.from !== undefined) {
    problems.add('subject', 'set either claim or from, not both');
  }
  if (dto.subject?.attribute !== undefined && (dto.protocol !== 'saml' || dto.subject.from !== undefined || dto.subject.claim !== undefined)) {
    problems.add('subject.attribute', 'applies to SAML providers only, alone (not with from or claim)');
  }
  const block = schema ? plain[schema.protocol] : undefined;
  const settings = schema && isMapping(block) && !problems.has(schema.protocol) ? buildSettings(schema, block, problems) : undefined;
  checkDomains(dto.trust?.domains, 'trust.domains', problems);
  checkDomains(dto.homeRealm?.domains, 'homeRealm.domains', problems);
  if (dto.trust?.emailVerified === 'always' && (dto.trust.domains ?? []).length === 0 && !problems.has('trust')) {
    problems.add('trust.domains', `${EMPTY_LIST} when emailVerified is always: an IdP vouches only for the email domains it lists`);
  }
  if (problems.size > 0) return { problems: problems.toArray() };

  if (!schema || settings === undefined) return { problems: [{ field: 'protocol', reason: 'has no settings' }] };
  const item = {
    id,
    file,
    displayName: dto.displayName,
    protocol: schema.protocol,
    [schema.protocol]: settings,
    subject: dto.subject?.claim
      ? { claim: dto.subject.claim }
      : dto.subject?.attribute
        ? { attribute: dto.subject.attribute }
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
      allowDecline: dto.linking?.allowDecline ?? false,
    },
    mapping: compiled.mapping!,
    sync: dto.sync ?? 'always',
    syncClearsMissing: [...new Set(dto.syncClearsMissing ?? [])],
    acrValues,
    homeRealm: { domains: lower(dto.homeRealm?.domains) },
  } as unknown as ProviderConfig;
  return { item, problems: [] };
}

/** `acrValues:` keys are aal1–aal3, values non-empty strings. */
function checkAcrValues(raw: Record<string, unknown> | undefined, problems: FieldProblems): Partial<Record<'aal1' | 'aal2' | 'aal3', string>> {
  const out: Partial<Record<'aal1' | 'aal2' | 'aal3', string>> = {};
  for (const [k, v] of Object.entries(raw ?? {})) {
    if (k !== 'aal1' && k !== 'aal2' && k !== 'aal3') problems.add(`acrValues.${k}`, 'must be one of aal1, aal2, aal3');
    else if (typeof v !== 'string' || v === '') problems.add(`acrValues.${k}`, 'must be a non-empty string');
    else out[k] = v;
  }
  return out;
}

function isImplemented(protocol: string): protocol is Protocol {
  return Object.prototype.hasOwnProperty.call(PROTOCOL_SCHEMAS, protocol);
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Runs a protocol block through its schema; problems are reported under `<protocol>.<field>`. */
function buildSettings<P extends Protocol>(schema: ProtocolSchema<P, object>, block: Record<string, unknown>, problems: FieldProblems): ProtocolSettings[P] | undefined {
  const { dto, problems: blockProblems } = validateDto(schema.dto, block);
  for (const p of blockProblems) problems.add(`${schema.protocol}.${p.field}`, p.reason);
  return schema.build(dto, problems);
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
