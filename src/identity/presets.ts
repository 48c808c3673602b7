/**
 * Vendor presets (issue 10 item 1): one CEL expression per canonical field, over `assertion`.
 * A provider names a preset (`preset:`) and overrides fields one by one (`mapping:`). Presets map
 * email, names, groups and assurance from the claims or attributes; they never compute the
 * subject (the connector decides it). SAML attributes are keyed by their Name as sent.
 *
 * Assurance (NIST SP 800-63B AAL) from OIDC `acr`/`amr` (RFC 8176) or SAML AuthnContextClassRef:
 * only values a preset knows raise the level; anything else stays `aal1`.
 */

/** The canonical fields a mapping computes (DESIGN.md §3), and their cardinality (B07, B08). */
export const CANONICAL_FIELDS = {
  email: 'single',
  emailVerified: 'single',
  name: 'single',
  givenName: 'single',
  familyName: 'single',
  preferredUsername: 'single',
  groups: 'multi',
  assurance: 'single',
} as const;

/** A canonical field name. */
export type CanonicalField = keyof typeof CANONICAL_FIELDS;

/** Preset names a provider file may use. */
export const PRESET_NAMES = ['generic-oidc', 'generic-saml', 'entra', 'adfs', 'okta', 'google', 'shibboleth', 'keycloak'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/**
 * The values of the first of `names` that was sent, else `[]` (no value: the field is absent).
 * Guarded with `in`, so a missing attribute costs no CEL error (errors are slow to build).
 */
function firstOf(...names: string[]): string {
  return names.reduceRight<string>((rest, n) => `(${JSON.stringify(n)} in assertion.attributes ? assertion.attributes[${JSON.stringify(n)}] : ${rest})`, '[]');
}

const lowered = (src: string): string => `${src}.map(v, v.lowerAscii())`;

/**
 * True when `assertion.authn.amr` was sent and holds one of `values`: `"a" in amr || …` rather
 * than `amr.exists(m, m in [...])`, the same answer without a comprehension (about 4× cheaper).
 */
function amrHasAny(values: readonly string[]): string {
  return `has(assertion.authn.amr) && (${values.map((v) => `${JSON.stringify(v)} in assertion.authn.amr`).join(' || ')})`;
}

/** The RFC 8176 amr values that prove a second factor, and acr values naming MFA. */
const OIDC_ASSURANCE = `
  has(assertion.authn.acr) && assertion.authn.acr in ["phrh", "phr", "urn:tessera:aal3"] ? "aal3" :
  (${amrHasAny(['mfa', 'otp', 'hwk', 'swk', 'sms', 'fpt', 'face', 'iris'])}) ||
  (has(assertion.authn.acr) && assertion.authn.acr in ["http://schemas.openid.net/pape/policies/2007/06/multi-factor", "urn:tessera:aal2"]) ? "aal2" : "aal1"`;

/** SAML AuthnContextClassRef values (SAML 2.0 Authn Context §3.4, REFEDS MFA, Microsoft). */
const SAML_ASSURANCE = `
  has(assertion.authn.acr) && assertion.authn.acr in ["urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI", "urn:oasis:names:tc:SAML:2.0:ac:classes:X509"] ? "aal3" :
  has(assertion.authn.acr) && assertion.authn.acr in ["https://refeds.org/profile/mfa", "http://schemas.microsoft.com/claims/multipleauthn", "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract", "urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken"] ? "aal2" : "aal1"`;

const GENERIC_OIDC: Record<CanonicalField, string> = {
  email: firstOf('email'),
  emailVerified: firstOf('email_verified'),
  name: firstOf('name'),
  givenName: firstOf('given_name'),
  familyName: firstOf('family_name'),
  preferredUsername: firstOf('preferred_username'),
  groups: firstOf('groups'),
  assurance: OIDC_ASSURANCE,
};

/** SAML attributes under their common names: OASIS X.500/LDAP OIDs (urn:oid:…), then friendly names. */
const GENERIC_SAML: Record<CanonicalField, string> = {
  email: firstOf('urn:oid:0.9.2342.19200300.100.1.3', 'mail', 'email', 'emailAddress'),
  emailVerified: firstOf('email_verified'),
  name: firstOf('urn:oid:2.16.840.1.113730.3.1.241', 'displayName', 'cn', 'name'),
  givenName: firstOf('urn:oid:2.5.4.42', 'givenName', 'firstName'),
  familyName: firstOf('urn:oid:2.5.4.4', 'sn', 'surname', 'lastName'),
  preferredUsername: firstOf('urn:oid:0.9.2342.19200300.100.1.1', 'uid'),
  groups: firstOf('groups', 'memberOf', 'urn:oid:1.3.6.1.4.1.5923.1.5.1.1'),
  assurance: SAML_ASSURANCE,
};

const MS_CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/';
const MS_GROUPS = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups';

/** The presets; fields a preset leaves out come from generic-oidc (OIDC vendors) or generic-saml. */
export const PRESETS: Readonly<Record<PresetName, Record<CanonicalField, string>>> = {
  'generic-oidc': GENERIC_OIDC,
  'generic-saml': GENERIC_SAML,
  // Entra ID: OIDC claims, or the SAML claim URIs (B07). Addresses are case-insensitive there.
  entra: {
    ...GENERIC_OIDC,
    email: lowered(firstOf('email', `${MS_CLAIMS}emailaddress`, 'upn', `${MS_CLAIMS}upn`)),
    // No email_verified: only the optional xms_edov claim says Entra verified the domain (B15).
    emailVerified: firstOf('xms_edov'),
    name: firstOf('name', 'http://schemas.microsoft.com/identity/claims/displayname'),
    givenName: firstOf('given_name', `${MS_CLAIMS}givenname`),
    familyName: firstOf('family_name', `${MS_CLAIMS}surname`),
    preferredUsername: firstOf('preferred_username', 'upn', `${MS_CLAIMS}upn`),
    groups: firstOf('groups', MS_GROUPS),
    assurance: `${amrHasAny(['mfa', 'otp', 'fido', 'hwk'])} ||
      has(assertion.authn.acr) && assertion.authn.acr == "http://schemas.microsoft.com/claims/multipleauthn" ? "aal2" : "aal1"`,
  },
  adfs: {
    ...GENERIC_SAML,
    email: lowered(firstOf(`${MS_CLAIMS}emailaddress`, `${MS_CLAIMS}upn`, 'email')),
    name: firstOf(`${MS_CLAIMS}name`, 'http://schemas.microsoft.com/identity/claims/displayname'),
    givenName: firstOf(`${MS_CLAIMS}givenname`),
    familyName: firstOf(`${MS_CLAIMS}surname`),
    preferredUsername: firstOf('http://schemas.microsoft.com/ws/2008/06/identity/claims/windowsaccountname', `${MS_CLAIMS}upn`),
    groups: firstOf(MS_GROUPS, 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role'),
  },
  okta: { ...GENERIC_OIDC, email: firstOf('email', 'Email'), groups: firstOf('groups', 'Groups') },
  google: { ...GENERIC_OIDC, groups: firstOf('groups'), preferredUsername: firstOf('email') },
  // eduPerson (REFEDS): eduPersonPrincipalName as username, isMemberOf / entitlement as groups.
  shibboleth: {
    ...GENERIC_SAML,
    preferredUsername: firstOf('urn:oid:1.3.6.1.4.1.5923.1.1.1.6', 'eduPersonPrincipalName', 'urn:oid:0.9.2342.19200300.100.1.1', 'uid'),
    groups: firstOf('urn:oid:1.3.6.1.4.1.5923.1.5.1.1', 'isMemberOf', 'urn:oid:1.3.6.1.4.1.5923.1.1.1.7', 'eduPersonEntitlement'),
  },
  // Keycloak: groups claim from its group mapper; acr "1"/"2"/"3" are its levels of authentication.
  keycloak: {
    ...GENERIC_OIDC,
    assurance: `has(assertion.authn.acr) && assertion.authn.acr == "3" ? "aal3" : has(assertion.authn.acr) && assertion.authn.acr == "2" ? "aal2" : (${OIDC_ASSURANCE})`,
  },
};
