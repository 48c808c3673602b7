import { IsBoolean, IsDefined, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, Min } from 'class-validator';
import { sha256 } from '../../common';
import type { ClientAuthMethod, ClientConfig, ClientGrantType } from '../types';
import { FieldProblems, type FieldProblem } from './problems';
import { IsList } from './list';
import { checkRedirectUri, checkScope, checkWebPageUrl } from './rules';
import { validateDto } from './validate-dto';
import { BOOLEAN, LISTED_TWICE, MUST_INCLUDE_OPENID, NOT_EMPTY, REQUIRED, STRING, oneOf, wholeSeconds } from './messages';

/**
 * Schema of clients/<id>.yaml (DESIGN.md §4): one downstream app; the file stem is the client_id.
 * The DTO describes the file as written; {@link buildClient} adds cross-field rules and defaults.
 */

const AUTH_METHODS: ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'none'];
const GRANT_TYPES: ClientGrantType[] = ['authorization_code', 'refresh_token', 'client_credentials'];
/** Claims a client may ask for in its file (`claims: [roles]`). */
const CLAIMS = ['roles'] as const;
const REUSE_SCOPES = ['session', 'family'] as const;
const GRACE = wholeSeconds(0, 300);
const OFFLINE_IDLE = wholeSeconds(60, 30 * 86400);
const OFFLINE_ABSOLUTE = wholeSeconds(60, 90 * 86400);
/** ID token algorithms Tessera signs with (an active key each: src/tokens SIGNING_ALGS, discovery). */
const ID_TOKEN_ALGS = ['RS256', 'ES256'] as const;
const LIFETIME = wholeSeconds(1, 3600);

/** Field paths whose values must be `${ENV}` references (see ../env-refs.ts). */
export const CLIENT_SECRET_FIELDS: ReadonlySet<string> = new Set(['clientSecret']);

/** Defaults from ../types.ts. */
export const CLIENT_DEFAULTS = {
  confidentialAuthMethods: ['client_secret_basic', 'client_secret_post'] as ClientAuthMethod[],
  grantTypes: ['authorization_code', 'refresh_token'] as ClientGrantType[],
  refreshTokenGraceSeconds: 30,
  refreshReuseScope: 'session' as const,
  scopes: ['openid', 'email', 'profile'],
  requirePkce: true,
  idTokenSignedResponseAlg: 'RS256' as const,
  accessTokenLifetimeSeconds: 300,
  idTokenLifetimeSeconds: 300,
};

/** A whole clients/<id>.yaml file. */
export class ClientFileDto {
  @IsDefined(REQUIRED) @IsString(STRING) @IsNotEmpty(NOT_EMPTY) displayName!: string;
  @IsDefined(REQUIRED) @IsIn(['confidential', 'public'], oneOf(['confidential', 'public'])) type!: 'confidential' | 'public';
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) clientSecret?: string;
  @IsOptional() @IsList({ nonEmpty: true, values: AUTH_METHODS }) tokenEndpointAuthMethods?: ClientAuthMethod[];
  @IsDefined(REQUIRED) @IsList({ nonEmpty: true }) redirectUris!: string[];
  @IsOptional() @IsList({ nonEmpty: true, values: GRANT_TYPES }) grantTypes?: ClientGrantType[];
  @IsOptional() @IsBoolean(BOOLEAN) authzen?: boolean;
  @IsOptional() @IsList({ values: CLAIMS }) claims?: Array<'roles'>;
  @IsOptional() @IsList({ nonEmpty: true }) scopes?: string[];
  @IsOptional() @IsBoolean(BOOLEAN) requirePkce?: boolean;
  @IsOptional() @IsIn(ID_TOKEN_ALGS, oneOf(ID_TOKEN_ALGS)) idTokenSignedResponseAlg?: ClientConfig['idTokenSignedResponseAlg'];
  @IsOptional() @IsInt(LIFETIME) @Min(1, LIFETIME) @Max(3600, LIFETIME) accessTokenLifetimeSeconds?: number;
  @IsOptional() @IsInt(LIFETIME) @Min(1, LIFETIME) @Max(3600, LIFETIME) idTokenLifetimeSeconds?: number;
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) clientUri?: string;
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) initiateLoginUri?: string;
  @IsOptional() @IsBoolean(BOOLEAN) authorizationResponseIss?: boolean;
  @IsOptional() @IsList({ nonEmpty: true }) postLogoutRedirectUris?: string[];
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) backchannelLogoutUri?: string;
  @IsOptional() @IsBoolean(BOOLEAN) backchannelLogoutSessionRequired?: boolean;
  @IsOptional() @IsInt(GRACE) @Min(0, GRACE) @Max(300, GRACE) refreshTokenGraceSeconds?: number;
  @IsOptional() @IsIn(REUSE_SCOPES, oneOf(REUSE_SCOPES)) refreshReuseScope?: 'session' | 'family';
  @IsOptional() @IsBoolean(BOOLEAN) offlineAccess?: boolean;
  @IsOptional() @IsInt(OFFLINE_IDLE) @Min(60, OFFLINE_IDLE) @Max(30 * 86400, OFFLINE_IDLE) refreshTokenIdleSeconds?: number;
  @IsOptional() @IsInt(OFFLINE_ABSOLUTE) @Min(60, OFFLINE_ABSOLUTE) @Max(90 * 86400, OFFLINE_ABSOLUTE) refreshTokenAbsoluteSeconds?: number;
  @IsOptional() @IsBoolean(BOOLEAN) idTokenOnRefresh?: boolean;
  @IsOptional() @IsBoolean(BOOLEAN) revocationReceiver?: boolean;
}

/**
 * Validates one client file and builds its {@link ClientConfig}.
 * - `id`: the file stem (client_id); `file`: absolute path; `plain`: parsed mapping, `${ENV}` resolved.
 * - Rules beyond the DTO, each refusing a client that could never sign anyone in: every redirect
 *   URI passes `checkRedirectUri` (RFC 6749 §3.1.2, RFC 8252) and appears once; scopes are
 *   RFC 6749 §3.3 tokens and include openid (OIDC Core §3.1.2.1: every authorization request
 *   carries it, and a scope the client may not ask for is refused); a `public` client has no
 *   clientSecret, authenticates with `none` only and cannot turn PKCE off (RFC 7636, OAuth 2.0
 *   Security BCP §2.1.1); a `confidential` client needs clientSecret and cannot use `none`;
 *   `clientUri` passes `checkWebPageUrl` (RFC 7591 §2 client_uri: https, or http on loopback);
 *   so does `initiateLoginUri` (OIDC Core §4, Registration §2 initiate_login_uri);
 *   every `postLogoutRedirectUris` entry passes `checkRedirectUri` and appears once (RP-Initiated
 *   Logout 1.0 §3.1: matched exactly, so the loopback port freedom of redirectUris does not apply);
 *   `backchannelLogoutUri` passes `checkWebPageUrl` and has no fragment (Back-Channel Logout 1.0
 *   §2.2). `backchannelLogoutSessionRequired` without `backchannelLogoutUri` is a warning.
 * - Refresh tokens (DESIGN.md §6): refreshTokenGraceSeconds 0–300 (default 30), refreshReuseScope
 *   session|family (default session), offline_access in scopes only with offlineAccess: true, which
 *   needs refresh_token in grantTypes; offline lifetime overrides capped at 30 d idle / 90 d absolute.
 * - Lists: see ./list.ts (one reason per mistake); grantTypes from [authorization_code, refresh_token],
 *   idTokenSignedResponseAlg only an algorithm Tessera has a key for, lifetimes 1..3600 s.
 * - The resolved secret is replaced by `clientSecretHash` = sha256 base64url (DESIGN.md §5).
 * - Defaults: see {@link CLIENT_DEFAULTS}; public clients get tokenEndpointAuthMethods [none].
 * Returns `item` only when there are no problems. Never throws.
 */
export function buildClient(
  id: string,
  file: string,
  plain: Record<string, unknown>,
): { item?: ClientConfig; problems: FieldProblem[]; warnings: FieldProblem[] } {
  const { dto, problems: dtoProblems } = validateDto(ClientFileDto, plain);
  const problems = new FieldProblems();
  problems.addAll(dtoProblems);

  if (dto.type === 'public') {
    if (dto.clientSecret !== undefined) problems.add('clientSecret', 'is not allowed for a public client');
    const m = dto.tokenEndpointAuthMethods;
    if (Array.isArray(m) && !problems.has('tokenEndpointAuthMethods') && (m.length !== 1 || m[0] !== 'none')) {
      problems.add('tokenEndpointAuthMethods', 'must be [none] for a public client');
    }
    if (dto.requirePkce === false) problems.add('requirePkce', 'cannot be false for a public client (RFC 7636)');
  } else if (dto.type === 'confidential') {
    if (dto.clientSecret === undefined) problems.add('clientSecret', 'is required for a confidential client');
    if (Array.isArray(dto.tokenEndpointAuthMethods) && dto.tokenEndpointAuthMethods.includes('none')) {
      problems.add('tokenEndpointAuthMethods', 'a confidential client cannot use none');
    }
  }
  if (dto.type === 'public' && dto.authzen === true) problems.add('authzen', 'only a confidential client may call the AuthZEN API');
  if (dto.type === 'public' && Array.isArray(dto.grantTypes) && dto.grantTypes.includes('client_credentials')) problems.add('grantTypes', 'client_credentials needs a confidential client (RFC 6749 §4.4)');
  if (Array.isArray(dto.redirectUris) && !problems.has('redirectUris')) {
    const seen = new Set<string>();
    dto.redirectUris.forEach((uri, i) => {
      const reason = seen.has(uri) ? LISTED_TWICE : checkRedirectUri(uri);
      if (reason) problems.add(`redirectUris[${i}]`, reason);
      seen.add(uri);
    });
  }
  if (Array.isArray(dto.scopes) && !problems.has('scopes')) {
    dto.scopes.forEach((s, i) => {
      const reason = checkScope(s);
      if (reason) problems.add(`scopes[${i}]`, reason);
    });
    if (!dto.scopes.includes('openid')) problems.add('scopes', MUST_INCLUDE_OPENID);
    if (dto.scopes.includes('offline_access') && dto.offlineAccess !== true) problems.add('scopes', 'offline_access needs offlineAccess: true (DESIGN.md §6)');
  }
  const grants = Array.isArray(dto.grantTypes) ? dto.grantTypes : CLIENT_DEFAULTS.grantTypes;
  if (dto.offlineAccess === true && !grants.includes('refresh_token')) problems.add('offlineAccess', 'needs refresh_token in grantTypes');
  if (Array.isArray(dto.grantTypes) && !problems.has('grantTypes') && dto.grantTypes.includes('refresh_token') && !dto.grantTypes.includes('authorization_code')) {
    problems.add('grantTypes', 'refresh_token needs authorization_code (refresh tokens are issued at the code exchange)');
  }
  if (typeof dto.clientUri === 'string' && !problems.has('clientUri')) {
    const reason = checkWebPageUrl(dto.clientUri);
    if (reason) problems.add('clientUri', reason);
  }
  if (typeof dto.initiateLoginUri === 'string' && !problems.has('initiateLoginUri')) {
    const reason = checkWebPageUrl(dto.initiateLoginUri);
    if (reason) problems.add('initiateLoginUri', reason);
  }
  if (Array.isArray(dto.postLogoutRedirectUris) && !problems.has('postLogoutRedirectUris')) {
    const seen = new Set<string>();
    dto.postLogoutRedirectUris.forEach((uri, i) => {
      const reason = seen.has(uri) ? LISTED_TWICE : checkRedirectUri(uri);
      if (reason) problems.add(`postLogoutRedirectUris[${i}]`, reason);
      seen.add(uri);
    });
  }
  if (typeof dto.backchannelLogoutUri === 'string' && !problems.has('backchannelLogoutUri')) {
    const reason = dto.backchannelLogoutUri.includes('#') ? 'must not contain a fragment (Back-Channel Logout 1.0 §2.2)' : checkWebPageUrl(dto.backchannelLogoutUri);
    if (reason) problems.add('backchannelLogoutUri', reason);
  }
  if (problems.size > 0) return { problems: problems.toArray(), warnings: [] };
  const warnings: FieldProblem[] = [];
  if (dto.backchannelLogoutSessionRequired !== undefined && dto.backchannelLogoutUri === undefined) {
    warnings.push({ field: 'backchannelLogoutSessionRequired', reason: 'has no effect without backchannelLogoutUri' });
  }
  if (dto.authorizationResponseIss === false) {
    warnings.push({
      field: 'authorizationResponseIss',
      reason: 'false omits the RFC 9207 iss parameter from this client\'s authorization responses, which weakens its mix-up defence; use it only for relying parties that mishandle iss (mod_auth_openidc 2.4.x)',
    });
  }

  const isPublic = dto.type === 'public';
  const item: ClientConfig = {
    id,
    file,
    displayName: dto.displayName,
    type: dto.type,
    ...(dto.clientUri !== undefined ? { clientUri: dto.clientUri } : {}),
    ...(dto.initiateLoginUri !== undefined ? { initiateLoginUri: dto.initiateLoginUri } : {}),
    ...(dto.clientSecret !== undefined ? { clientSecretHash: sha256(dto.clientSecret) } : {}),
    tokenEndpointAuthMethods: isPublic
      ? ['none']
      : [...new Set(dto.tokenEndpointAuthMethods ?? CLIENT_DEFAULTS.confidentialAuthMethods)],
    redirectUris: [...dto.redirectUris],
    grantTypes: [...new Set(dto.grantTypes ?? CLIENT_DEFAULTS.grantTypes)],
    scopes: [...new Set(dto.scopes ?? CLIENT_DEFAULTS.scopes)],
    requirePkce: isPublic ? true : (dto.requirePkce ?? CLIENT_DEFAULTS.requirePkce),
    idTokenSignedResponseAlg: dto.idTokenSignedResponseAlg ?? CLIENT_DEFAULTS.idTokenSignedResponseAlg,
    accessTokenLifetimeSeconds: dto.accessTokenLifetimeSeconds ?? CLIENT_DEFAULTS.accessTokenLifetimeSeconds,
    idTokenLifetimeSeconds: dto.idTokenLifetimeSeconds ?? CLIENT_DEFAULTS.idTokenLifetimeSeconds,
    authorizationResponseIss: dto.authorizationResponseIss ?? true,
    ...(dto.authzen === true ? { authzen: true } : {}),
    ...(dto.claims?.length ? { claims: [...new Set(dto.claims)] } : {}),
    ...(dto.postLogoutRedirectUris !== undefined ? { postLogoutRedirectUris: [...dto.postLogoutRedirectUris] } : {}),
    ...(dto.backchannelLogoutUri !== undefined
      ? { backchannelLogoutUri: dto.backchannelLogoutUri, backchannelLogoutSessionRequired: dto.backchannelLogoutSessionRequired ?? true }
      : {}),
    refreshTokenGraceSeconds: dto.refreshTokenGraceSeconds ?? CLIENT_DEFAULTS.refreshTokenGraceSeconds,
    refreshReuseScope: dto.refreshReuseScope ?? CLIENT_DEFAULTS.refreshReuseScope,
    offlineAccess: dto.offlineAccess ?? false,
    ...(dto.refreshTokenIdleSeconds !== undefined ? { refreshTokenIdleSeconds: dto.refreshTokenIdleSeconds } : {}),
    ...(dto.refreshTokenAbsoluteSeconds !== undefined ? { refreshTokenAbsoluteSeconds: dto.refreshTokenAbsoluteSeconds } : {}),
    idTokenOnRefresh: dto.idTokenOnRefresh ?? false,
    revocationReceiver: dto.revocationReceiver ?? false,
  };
  return { item, problems: [], warnings };
}
