import { IsBoolean, IsDefined, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import type { OAuth2ProviderSettings } from '../types';
import type { FieldProblems } from './problems';
import type { ProtocolSchema } from './protocol-schema';
import { IsList } from './list';
import { checkIssuerUrl, checkScope } from './rules';
import { BOOLEAN, MAPPING, NOT_EMPTY, REQUIRED, STRING, oneOf } from './messages';

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post'] as const;
const URL_FIELDS = ['authorizationUrl', 'tokenUrl', 'userinfoUrl', 'verifiedEmailsUrl'] as const;
/** A dotted path of JSON member names (`id`, `profile.email`). */
const PATH = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/;

/** `oauth2.fields`: where the user's facts are in the userinfo object. */
export class OAuth2FieldsDto {
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) subject?: string;
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) email?: string;
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) name?: string;
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) preferredUsername?: string;
}

/** The `oauth2:` block of a provider file, as written. */
export class OAuth2SettingsDto {
  @IsDefined(REQUIRED) @IsString(STRING) @IsNotEmpty(NOT_EMPTY) authorizationUrl!: string;
  @IsDefined(REQUIRED) @IsString(STRING) @IsNotEmpty(NOT_EMPTY) tokenUrl!: string;
  @IsDefined(REQUIRED) @IsString(STRING) @IsNotEmpty(NOT_EMPTY) userinfoUrl!: string;
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) verifiedEmailsUrl?: string;
  @IsDefined(REQUIRED) @IsString(STRING) @IsNotEmpty(NOT_EMPTY) clientId!: string;
  @IsDefined(REQUIRED) @IsString(STRING) @IsNotEmpty(NOT_EMPTY) clientSecret!: string;
  @IsOptional() @IsIn(AUTH_METHODS, oneOf(AUTH_METHODS)) tokenEndpointAuthMethod?: OAuth2ProviderSettings['tokenEndpointAuthMethod'];
  @IsOptional() @IsList() scopes?: string[];
  @IsOptional() @IsObject(MAPPING) @ValidateNested() @Type(() => OAuth2FieldsDto) fields?: OAuth2FieldsDto;
  @IsOptional() @IsBoolean(BOOLEAN) allowInsecureRequests?: boolean;
}

/**
 * The plain OAuth 2.0 protocol's settings schema (`protocol: oauth2`, issue 12 item 6). Rules:
 * every URL https unless allowInsecureRequests; clientSecret required (a `${ENV}` secret);
 * scopes are RFC 6749 §3.3 tokens; field paths are dotted JSON member names.
 * Defaults: tokenEndpointAuthMethod client_secret_basic, scopes [], fields.subject `id`.
 */
export const OAUTH2_SCHEMA: ProtocolSchema<'oauth2', OAuth2SettingsDto> = {
  protocol: 'oauth2',
  dto: OAuth2SettingsDto,
  secretFields: ['clientSecret'],
  build(o: OAuth2SettingsDto, problems: FieldProblems): OAuth2ProviderSettings | undefined {
    const allowInsecure = o.allowInsecureRequests === true;
    for (const f of URL_FIELDS) {
      const v = o[f];
      if (typeof v === 'string' && !problems.has(`oauth2.${f}`)) {
        const reason = checkIssuerUrl(v, allowInsecure);
        if (reason) problems.add(`oauth2.${f}`, reason);
      }
    }
    (o.scopes ?? []).forEach((s, i) => {
      const reason = typeof s === 'string' ? checkScope(s) : undefined;
      if (reason) problems.add(`oauth2.scopes[${i}]`, reason);
    });
    const fields = { subject: o.fields?.subject ?? 'id', email: o.fields?.email, name: o.fields?.name, preferredUsername: o.fields?.preferredUsername };
    for (const [k, v] of Object.entries(fields)) {
      if (v !== undefined && !PATH.test(v)) problems.add(`oauth2.fields.${k}`, 'must be a dotted path of JSON member names');
    }
    if (problems.has('oauth2')) return undefined;
    return {
      authorizationUrl: o.authorizationUrl,
      tokenUrl: o.tokenUrl,
      userinfoUrl: o.userinfoUrl,
      ...(o.verifiedEmailsUrl ? { verifiedEmailsUrl: o.verifiedEmailsUrl } : {}),
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      tokenEndpointAuthMethod: o.tokenEndpointAuthMethod ?? 'client_secret_basic',
      scopes: [...new Set(o.scopes ?? [])],
      fields: Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as OAuth2ProviderSettings['fields'],
      allowInsecureRequests: allowInsecure,
    };
  },
  insecure: (s) => s.allowInsecureRequests,
};
