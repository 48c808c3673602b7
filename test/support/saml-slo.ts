import { randomBytes } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import * as samlify from 'samlify';
import type { DemoKeyPair } from '../../demo/saml-keys';

/**
 * The IdP side of SAML Single Logout in tests, with samlify: an IdP entity that signs (or not)
 * LogoutRequests and LogoutResponses for Tessera's SLO endpoint, and reads Tessera's messages
 * with their signatures verified against Tessera's SP certificate. Messages are written out
 * here so a test can say exactly what an attacker sends (B39).
 */

samlify.setSchemaValidator({ validate: async () => 'skipped: the tests build their own messages' });

/** A NameID as an IdP issued it. */
export interface NameIdSpec {
  value: string;
  format?: string;
  nameQualifier?: string;
  spNameQualifier?: string;
}

/** The samlify IdP and its view of Tessera's SP. */
export interface SloPeer {
  idp: ReturnType<typeof samlify.IdentityProvider>;
  sp: ReturnType<typeof samlify.ServiceProvider>;
  entityId: string;
}

/**
 * @param signing the IdP's key (sign with another IdP's key to play B39 (b))
 * @param signed whether the messages it sends are signed
 */
export function sloPeer(o: { entityId: string; idpSloUrl: string; signing: DemoKeyPair; spEntityId: string; tesseraSlo: string; spCert: string; signed: boolean }): SloPeer {
  const idp = samlify.IdentityProvider({
    entityID: o.entityId,
    signingCert: o.signing.cert,
    privateKey: o.signing.key,
    requestSignatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    singleSignOnService: [{ Binding: samlify.Constants.namespace.binding.redirect, Location: `${o.idpSloUrl}/../sso` }],
    singleLogoutService: [
      { Binding: samlify.Constants.namespace.binding.redirect, Location: o.idpSloUrl },
      { Binding: samlify.Constants.namespace.binding.post, Location: o.idpSloUrl },
    ],
  });
  const sp = samlify.ServiceProvider({
    entityID: o.spEntityId,
    signingCert: o.spCert,
    wantLogoutRequestSigned: o.signed,
    wantLogoutResponseSigned: o.signed,
    assertionConsumerService: [{ Binding: samlify.Constants.namespace.binding.post, Location: o.tesseraSlo.replace(/slo$/, 'acs') }],
    singleLogoutService: [
      { Binding: samlify.Constants.namespace.binding.redirect, Location: o.tesseraSlo },
      { Binding: samlify.Constants.namespace.binding.post, Location: o.tesseraSlo },
    ],
  });
  return { idp, sp, entityId: o.entityId };
}

/** A LogoutRequest as XML (SAML Core §3.7.1); `nameId: null` leaves the subject out (B39 (e)). */
export function logoutRequestXml(o: { issuer: string; destination: string; nameId: NameIdSpec | null; sessionIndex?: string | string[]; id?: string }): { id: string; xml: string } {
  const id = o.id ?? `_${randomBytes(16).toString('hex')}`;
  const n = o.nameId;
  const nameId = n
    ? `<saml:NameID${n.format ? ` Format="${esc(n.format)}"` : ''}${n.nameQualifier ? ` NameQualifier="${esc(n.nameQualifier)}"` : ''}${n.spNameQualifier ? ` SPNameQualifier="${esc(n.spNameQualifier)}"` : ''}>${esc(n.value)}</saml:NameID>`
    : '';
  const xml =
    `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id}" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${esc(o.destination)}">` +
    `<saml:Issuer>${esc(o.issuer)}</saml:Issuer>${nameId}${[o.sessionIndex ?? []].flat().map((v) => `<samlp:SessionIndex>${esc(v)}</samlp:SessionIndex>`).join('')}</samlp:LogoutRequest>`;
  return { id, xml };
}

/** A LogoutResponse as XML (SAML Core §3.7.2); `inResponseTo: null` leaves it out (unsolicited, B39 (d)). */
export function logoutResponseXml(o: { issuer: string; destination: string; inResponseTo: string | null; success?: boolean }): string {
  const status = o.success === false ? 'urn:oasis:names:tc:SAML:2.0:status:Responder' : 'urn:oasis:names:tc:SAML:2.0:status:Success';
  return (
    `<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_${randomBytes(16).toString('hex')}" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${esc(o.destination)}"${o.inResponseTo !== null ? ` InResponseTo="${esc(o.inResponseTo)}"` : ''}>` +
    `<saml:Issuer>${esc(o.issuer)}</saml:Issuer><samlp:Status><samlp:StatusCode Value="${status}"/></samlp:Status></samlp:LogoutResponse>`
  );
}

/** The IdP sends `xml` as a LogoutRequest over HTTP-Redirect: the URL (signed when the peer signs). */
export function redirectLogoutRequest(peer: SloPeer, xml: { id: string; xml: string }, relayState = ''): string {
  return peer.idp.createLogoutRequest(peer.sp, 'redirect', { logoutNameID: 'unused' }, relayState, () => ({ id: xml.id, context: xml.xml })).context;
}

/** The IdP sends `xml` as a LogoutRequest over HTTP-POST: the form fields (enveloped signature when the peer signs). */
export function postLogoutRequest(peer: SloPeer, xml: { id: string; xml: string }): Record<string, string> {
  const out = peer.idp.createLogoutRequest(peer.sp, 'post', { logoutNameID: 'unused' }, '', () => ({ id: xml.id, context: xml.xml })) as unknown as { context: string };
  return { SAMLRequest: out.context };
}

/** The IdP answers with `xml` as a LogoutResponse over HTTP-Redirect (signed when the peer signs). */
export function redirectLogoutResponse(peer: SloPeer, xml: string, relayState = ''): string {
  return peer.idp.createLogoutResponse(peer.sp, { extract: {} } as never, 'redirect', relayState, () => ({ id: 'x', context: xml })).context;
}

/**
 * Reads a message Tessera sent to the IdP over HTTP-Redirect, its signature verified by samlify
 * against Tessera's SP certificate. @throws when the signature is missing or does not verify.
 */
export async function readTesseraRedirect(peer: SloPeer, url: string, kind: 'LogoutRequest' | 'LogoutResponse'): Promise<{ xml: string; relayState?: string }> {
  const u = new URL(url);
  const raw = u.search.slice(1).split('&');
  const param = kind === 'LogoutRequest' ? 'SAMLRequest' : 'SAMLResponse';
  const pick = (name: string) => raw.find((t) => t.startsWith(`${name}=`));
  const octetString = [pick(param), pick('RelayState'), pick('SigAlg')].filter(Boolean).join('&');
  const request = { query: Object.fromEntries(u.searchParams), octetString };
  const parsed = kind === 'LogoutRequest' ? await peer.idp.parseLogoutRequest(peer.sp, 'redirect', request) : await peer.idp.parseLogoutResponse(peer.sp, 'redirect', request);
  return { xml: parsed.samlContent, relayState: u.searchParams.get('RelayState') ?? undefined };
}

/** The attributes and text of the first element named `local` in `xml`. */
export function element(xml: string, local: string): { attributes: Record<string, string>; text: string } | undefined {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const all = doc.getElementsByTagName('*');
  for (let i = 0; i < all.length; i++) {
    const e = all[i];
    if (e.localName !== local) continue;
    const attributes: Record<string, string> = {};
    for (let j = 0; j < e.attributes.length; j++) {
      const a = e.attributes[j];
      if (!a.name.startsWith('xmlns')) attributes[a.name] = a.value;
    }
    return { attributes, text: e.textContent ?? '' };
  }
  return undefined;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
