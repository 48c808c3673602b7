import { X509Certificate } from 'node:crypto';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';
import type { SamlProviderSettings } from '../types';
import { FieldProblems } from './problems';
import { checkIssuerUrl } from './rules';
import type { ProtocolSchema } from './protocol-schema';
import { IsList } from './list';
import { BOOLEAN, MAPPING, NOT_EMPTY, REQUIRED, STRING, oneOf, wholeSeconds } from './messages';

/** Short NameID Format names accepted in `allowedNameIdFormats` (SAML Core §8.3). */
export const NAME_ID_FORMATS: Readonly<Record<string, string>> = {
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  transient: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
  emailAddress: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  unspecified: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
};

/** Default cap on a posted SAMLResponse (bytes of base64), issue 9 item 3. */
export const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024;
/** The largest skew an administrator may configure (bugs-log B03). */
export const MAX_CLOCK_SKEW_SECONDS = 300;
/** How many decryption keys may be listed (each is a secret field `decryptionKeys[i]`). */
const MAX_DECRYPTION_KEYS = 4;

const SKEW = wholeSeconds(0, MAX_CLOCK_SKEW_SECONDS);
const REFRESH = wholeSeconds(60, 86400);

/** `idpInitiated:` */
export class IdpInitiatedDto {
  @IsString(STRING) @IsNotEmpty(NOT_EMPTY) client!: string;
}

/** The `saml:` block of a provider file, as written. */
export class SamlSettingsDto {
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) metadataFile?: string;
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) metadataUrl?: string;
  @IsOptional() @IsInt(REFRESH) @Min(60, REFRESH) @Max(86400, REFRESH) metadataRefreshSeconds?: number;
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) entityId?: string;
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) ssoUrl?: string;
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) sloUrl?: string;
  @IsOptional() @IsList({ nonEmpty: true }) signingCertificates?: string[];
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) spEntityId?: string;
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) acsUrl?: string;
  @IsOptional() @IsBoolean(BOOLEAN) requireSignedAssertion?: boolean;
  @IsOptional() @IsBoolean(BOOLEAN) requireSignedResponse?: boolean;
  @IsOptional() @IsBoolean(BOOLEAN) signAuthnRequests?: boolean;
  @IsOptional() @IsInt(SKEW) @Min(0, SKEW) @Max(MAX_CLOCK_SKEW_SECONDS, SKEW) clockSkewSeconds?: number;
  @IsOptional() @IsList({ nonEmpty: true }) allowedNameIdFormats?: string[];
  /** RequestedAuthnContext Comparison for an app's acr_values (B43); default exact. */
  @IsOptional() @IsIn(['exact', 'minimum'], oneOf(['exact', 'minimum'])) authnContextComparison?: 'exact' | 'minimum';
  @IsOptional() @IsObject(MAPPING) @ValidateNested() @Type(() => IdpInitiatedDto) idpInitiated?: IdpInitiatedDto;
  @IsOptional() @IsList({ nonEmpty: true }) decryptionKeys?: string[];
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) spSigningKey?: string;
  @IsOptional() @IsString(STRING) @IsNotEmpty(NOT_EMPTY) spSigningCertificate?: string;
  @IsOptional() @IsList({ nonEmpty: true }) spEncryptionCertificates?: string[];
  @IsOptional() @IsInt() @Min(1024) @Max(1024 * 1024 - 1) maxResponseBytes?: number;
  @IsOptional() @IsBoolean(BOOLEAN) allowInsecureRequests?: boolean;
}

/** A certificate as PEM: accepts PEM or the bare base64 body metadata carries. @returns undefined when it does not parse. */
export function toPemCertificate(value: string): string | undefined {
  const body = value.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  const pem = `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----\n`;
  try {
    new X509Certificate(pem);
    return pem;
  } catch {
    return undefined;
  }
}

/**
 * The SAML 2.0 protocol's settings schema (DESIGN.md §9, issue 9).
 * Rules beyond the DTO: exactly one IdP source — `metadataFile`, `metadataUrl`, or `entityId` +
 * `ssoUrl` + `signingCertificates`; certificates must parse as X.509 (their dates are not
 * enforced: the pin is the trust); `metadataUrl` https unless allowInsecureRequests; NameID
 * formats are the short names of {@link NAME_ID_FORMATS} or full URNs; `signAuthnRequests` needs
 * `spSigningKey` + `spSigningCertificate`; secrets (`decryptionKeys[i]`, `spSigningKey`) are `${ENV}`.
 * Defaults: requireSignedAssertion true, requireSignedResponse false, signAuthnRequests false,
 * clockSkewSeconds 60, allowedNameIdFormats [persistent], maxResponseBytes 256 KiB, metadata refresh 3600 s.
 */
export const SAML_SCHEMA: ProtocolSchema<'saml', SamlSettingsDto> = {
  protocol: 'saml',
  dto: SamlSettingsDto,
  secretFields: [...Array.from({ length: MAX_DECRYPTION_KEYS }, (_, i) => `decryptionKeys[${i}]`), 'spSigningKey'],
  build(s: SamlSettingsDto, problems: FieldProblems): SamlProviderSettings | undefined {
    const allowInsecure = s.allowInsecureRequests === true;
    const sources = [s.metadataFile, s.metadataUrl, s.ssoUrl].filter((v) => v !== undefined).length;
    if (sources === 0) problems.add('saml', `${REQUIRED.message}: metadataFile, metadataUrl, or entityId + ssoUrl + signingCertificates`);
    if (sources > 1) problems.add('saml', 'set only one of metadataFile, metadataUrl, ssoUrl');
    if (s.ssoUrl !== undefined && (s.entityId === undefined || s.signingCertificates === undefined)) {
      problems.add('saml.ssoUrl', 'needs entityId and signingCertificates');
    }
    if (s.acsUrl !== undefined && !/^https?:\/\/[^/]/.test(s.acsUrl)) problems.add('saml.acsUrl', 'must be an absolute http(s) URL');
    for (const [field, url] of [['metadataUrl', s.metadataUrl], ['ssoUrl', s.ssoUrl], ['sloUrl', s.sloUrl]] as const) {
      if (typeof url !== 'string' || problems.has(`saml.${field}`)) continue;
      const reason = checkIssuerUrl(url, allowInsecure);
      if (reason) problems.add(`saml.${field}`, reason);
    }
    const certs: string[] = [];
    for (const [field, list] of [['signingCertificates', s.signingCertificates], ['spEncryptionCertificates', s.spEncryptionCertificates]] as const) {
      (list ?? []).forEach((c, i) => {
        const pem = toPemCertificate(c);
        if (!pem) problems.add(`saml.${field}[${i}]`, 'is not an X.509 certificate (PEM or base64 DER)');
        else if (field === 'signingCertificates') certs.push(pem);
      });
    }
    const spCert = s.spSigningCertificate === undefined ? undefined : toPemCertificate(s.spSigningCertificate);
    if (s.spSigningCertificate !== undefined && !spCert) problems.add('saml.spSigningCertificate', 'is not an X.509 certificate (PEM or base64 DER)');
    if (s.signAuthnRequests && (s.spSigningKey === undefined || s.spSigningCertificate === undefined)) {
      problems.add('saml.signAuthnRequests', 'needs spSigningKey and spSigningCertificate');
    }
    if ((s.decryptionKeys?.length ?? 0) > MAX_DECRYPTION_KEYS) problems.add('saml.decryptionKeys', `lists at most ${MAX_DECRYPTION_KEYS} keys`);
    const formats = (s.allowedNameIdFormats ?? ['persistent']).map((f, i) => {
      const urn = NAME_ID_FORMATS[f] ?? (f.startsWith('urn:') ? f : undefined);
      if (!urn) problems.add(`saml.allowedNameIdFormats[${i}]`, `must be one of: ${Object.keys(NAME_ID_FORMATS).join(', ')}, or a urn`);
      return urn ?? f;
    });
    if (problems.has('saml')) return undefined;
    return {
      ...(s.metadataFile !== undefined ? { metadataFile: s.metadataFile } : {}),
      ...(s.metadataUrl !== undefined ? { metadataUrl: s.metadataUrl } : {}),
      metadataRefreshSeconds: s.metadataRefreshSeconds ?? 3600,
      ...(s.entityId !== undefined ? { entityId: s.entityId } : {}),
      ...(s.ssoUrl !== undefined ? { ssoUrl: s.ssoUrl } : {}),
      ...(s.sloUrl !== undefined ? { sloUrl: s.sloUrl } : {}),
      signingCertificates: certs,
      ...(s.spEntityId !== undefined ? { spEntityId: s.spEntityId } : {}),
      ...(s.acsUrl !== undefined ? { acsUrl: s.acsUrl } : {}),
      requireSignedAssertion: s.requireSignedAssertion ?? true,
      requireSignedResponse: s.requireSignedResponse ?? false,
      signAuthnRequests: s.signAuthnRequests ?? false,
      clockSkewSeconds: s.clockSkewSeconds ?? 60,
      allowedNameIdFormats: [...new Set(formats)],
      ...(s.authnContextComparison !== undefined ? { authnContextComparison: s.authnContextComparison } : {}),
      ...(s.idpInitiated ? { idpInitiated: { client: s.idpInitiated.client } } : {}),
      decryptionKeys: s.decryptionKeys ?? [],
      ...(s.spSigningKey !== undefined ? { spSigningKey: s.spSigningKey } : {}),
      ...(spCert ? { spSigningCertificate: spCert } : {}),
      spEncryptionCertificates: (s.spEncryptionCertificates ?? []).map((c) => toPemCertificate(c) ?? c),
      maxResponseBytes: s.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      allowInsecureRequests: allowInsecure,
    };
  },
  insecure: (s) => s.allowInsecureRequests,
};
