import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BrokerError } from '../../common';
import type { ProviderConfigOf, SamlProviderSettings } from '../../config';
import type { UpstreamAssertion } from '../../identity/identity.module';
import { federationUrl } from '../connector';
import type { AssertionFacts } from './assertion.rules';
import { parseIdpMetadata, type IdpDescription } from './metadata';
import { nameIdFacts } from './slo';
import type { ResponseSettings } from './validate-response';

/**
 * What one SAML provider's file resolves to: the IdP (from metadata or inline settings), the
 * SP's own URLs and entityID, and the response settings the validator takes. Shared by the
 * connector and `tessera inspect saml`.
 */

/** A SAML provider. */
export type SamlProvider = ProviderConfigOf<'saml'>;

/** Tessera's SP endpoints for one provider (`/federation/saml/<id>/<endpoint>`). */
export interface SpUrls {
  entityId: string;
  acs: string;
  metadata: string;
  slo: string;
}

/** The SP URLs; entityID defaults to the metadata URL (issue 9 provider file). */
export function spUrls(issuer: string, provider: SamlProvider): SpUrls {
  const metadata = federationUrl(issuer, 'saml', provider.id, 'metadata');
  return {
    entityId: provider.saml.spEntityId ?? metadata,
    acs: provider.saml.acsUrl ?? federationUrl(issuer, 'saml', provider.id, 'acs'),
    metadata,
    slo: federationUrl(issuer, 'saml', provider.id, 'slo'),
  };
}

/**
 * The IdP from the provider file alone: `metadataFile` (relative to the providers directory) or
 * entityId + ssoUrl + signingCertificates. A `metadataUrl` provider returns undefined (fetched).
 * @throws Error naming the file and the problem when the metadata cannot be read.
 */
export function localIdp(provider: SamlProvider): IdpDescription | undefined {
  const s = provider.saml;
  if (s.metadataFile !== undefined) {
    const file = path.resolve(path.dirname(provider.file), s.metadataFile);
    let xml: string;
    try {
      xml = readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`${provider.file}: saml.metadataFile: cannot read ${file}: ${(e as Error).message}`);
    }
    try {
      return withInline(parseIdpMetadata(xml, s.entityId), s);
    } catch (e) {
      throw new Error(`${provider.file}: saml.metadataFile: ${(e as Error).message}`);
    }
  }
  if (s.ssoUrl !== undefined && s.entityId !== undefined) {
    return { entityId: s.entityId, ssoUrl: s.ssoUrl, ...(s.sloUrl ? { sloUrl: s.sloUrl } : {}), signingCertificates: s.signingCertificates };
  }
  return undefined;
}

/** Inline signingCertificates add to the metadata's (a pin ahead of a rollover, B04); sloUrl overrides. */
export function withInline(idp: IdpDescription, s: SamlProviderSettings): IdpDescription {
  return {
    ...idp,
    ...(s.sloUrl ? { sloUrl: s.sloUrl } : {}),
    signingCertificates: [...new Set([...idp.signingCertificates, ...s.signingCertificates])],
  };
}

/** The validator's settings for this provider and IdP. */
export function responseSettings(provider: SamlProvider, sp: SpUrls, idp: IdpDescription): ResponseSettings {
  const s = provider.saml;
  return {
    idpEntityId: idp.entityId,
    signingCertificates: idp.signingCertificates,
    spEntityId: sp.entityId,
    acsUrl: sp.acs,
    requireSignedAssertion: s.requireSignedAssertion,
    requireSignedResponse: s.requireSignedResponse,
    clockSkewSeconds: s.clockSkewSeconds,
    allowedNameIdFormats: s.allowedNameIdFormats,
    decryptionKeys: s.decryptionKeys,
    maxResponseBytes: s.maxResponseBytes,
  };
}

/**
 * The accepted assertion as Tessera's UpstreamAssertion (issue 9 item 5): subject from the
 * NameID (`subject: { from: nameId }`, the default) or from one attribute's single value
 * (`subject: { attribute: <name> }`); attributes as sent; AuthnInstant → authTime,
 * AuthnContextClassRef → acr, SessionIndex → upstreamSessionId.
 * @throws BrokerError `saml.subject_missing` when the chosen subject is absent, empty or not single-valued.
 */
export function toUpstreamAssertion(provider: SamlProvider, facts: AssertionFacts, initiatedBy: 'sp' | 'idp'): UpstreamAssertion {
  let subject: string | undefined;
  let subjectFormat: string | undefined;
  if (provider.subject.attribute !== undefined) {
    const values = facts.attributes[provider.subject.attribute] ?? [];
    subject = values.length === 1 && values[0] ? values[0] : undefined;
    subjectFormat = `attribute:${provider.subject.attribute}`;
  } else {
    subject = facts.nameId?.value;
    subjectFormat = facts.nameId?.format;
  }
  if (!subject || subject.trim() === '') throw new BrokerError('saml.subject_missing', provider.subject.attribute ? `attribute ${provider.subject.attribute} absent or not single-valued` : 'no NameID');
  return {
    providerId: provider.id,
    issuer: facts.issuer,
    subject,
    ...(subjectFormat ? { subjectFormat } : {}),
    attributes: facts.attributes,
    friendlyNames: facts.friendlyNames,
    authn: {
      ...(facts.authnInstantMs !== undefined ? { authTime: new Date(facts.authnInstantMs) } : {}),
      ...(facts.acr ? { acr: facts.acr } : {}),
      ...(facts.sessionIndex ? { upstreamSessionId: facts.sessionIndex } : {}),
      ...(facts.nameId?.value ? { upstreamLogout: nameIdFacts(facts.nameId) } : {}),
    },
    initiatedBy,
  };
}
