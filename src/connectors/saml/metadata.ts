import { NS, attr, child, childrenNamed, descendants, hasDoctype, parseXml, text, type XmlElement } from './xml';

/**
 * SAML 2.0 IdP metadata (SAML Metadata §2.4.3 IDPSSODescriptor): what Tessera takes from it —
 * the entityID, the HTTP-Redirect SingleSignOnService, the SingleLogoutService and the signing
 * certificates (KeyDescriptor use="signing" or without use; several for rollover, B04).
 * Metadata signatures are not checked: the file or URL is configured by the administrator.
 */

/** The IdP as Tessera uses it. */
export interface IdpDescription {
  entityId: string;
  ssoUrl: string;
  sloUrl?: string;
  /** PEM certificates. */
  signingCertificates: string[];
}

/** Wraps a certificate body from metadata as PEM (node-saml parses it when verifying). */
function toPemCertificate(body: string): string | undefined {
  const b64 = body.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/=]+$/.test(b64)) return undefined;
  return `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

/**
 * Reads IdP metadata. An EntitiesDescriptor must hold exactly one IdP, or the one whose
 * entityID is `entityId`.
 * @throws Error naming the problem (DOCTYPE, no IDPSSODescriptor, no Redirect SSO, no signing certificate).
 */
export function parseIdpMetadata(xml: string, entityId?: string): IdpDescription {
  if (hasDoctype(xml)) throw new Error('metadata carries a DOCTYPE');
  const root = parseXml(xml).documentElement as unknown as XmlElement;
  const idps = descendants(root, NS.metadata, 'EntityDescriptor').filter((e) => child(e, NS.metadata, 'IDPSSODescriptor'));
  const chosen = entityId ? idps.filter((e) => attr(e, 'entityID') === entityId) : idps;
  if (chosen.length !== 1) throw new Error(entityId ? `metadata has no IdP ${entityId}` : `metadata holds ${idps.length} IdPs; set saml.entityId`);
  const entity = chosen[0];
  const idp = child(entity, NS.metadata, 'IDPSSODescriptor')!;
  const sso = childrenNamed(idp, NS.metadata, 'SingleSignOnService').find((s) => attr(s, 'Binding') === REDIRECT);
  if (!sso || !attr(sso, 'Location')) throw new Error('metadata has no HTTP-Redirect SingleSignOnService');
  const slo = childrenNamed(idp, NS.metadata, 'SingleLogoutService').find((s) => attr(s, 'Binding') === REDIRECT);
  const certs: string[] = [];
  for (const kd of childrenNamed(idp, NS.metadata, 'KeyDescriptor')) {
    const use = attr(kd, 'use');
    if (use !== undefined && use !== 'signing') continue;
    for (const c of descendants(kd, NS.dsig, 'X509Certificate')) {
      const pem = toPemCertificate(text(c) ?? '');
      if (pem && !certs.includes(pem)) certs.push(pem);
    }
  }
  if (certs.length === 0) throw new Error('metadata has no signing certificate');
  return { entityId: attr(entity, 'entityID') ?? '', ssoUrl: attr(sso, 'Location')!, ...(slo && attr(slo, 'Location') ? { sloUrl: attr(slo, 'Location') } : {}), signingCertificates: certs };
}
