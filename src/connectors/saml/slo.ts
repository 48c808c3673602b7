import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { BrokerError } from '../../common';
import type { UpstreamInput } from '../connector';
import { NS, XmlMalformed, allElements, attr, child, childrenNamed, hasDoctype, parseXml, text, type XmlElement } from './xml';

/**
 * SAML Single Logout messages (SAML Core §3.7, Bindings §3.4 HTTP-Redirect and §3.5 HTTP-POST)
 * as Tessera reads them before node-saml checks their signature: one message per request, a
 * size cap on the encoded and on the inflated form (a DEFLATE bomb is refused while inflating),
 * no DOCTYPE, one root, unique IDs, signatures only directly under the root. node-saml accepts
 * an unsigned Redirect-binding message (shared/bugs B39), so presence of a signature is decided
 * here and required by the connector.
 */

/** Characters of an encoded logout message (query parameter or form field) above which it is refused. */
export const LOGOUT_MAX_ENCODED = 64 * 1024;
/** Bytes of inflated XML above which a Redirect-binding message is refused. */
const LOGOUT_MAX_XML = 256 * 1024;
const BASE64 = /^[A-Za-z0-9+/=\r\n\t ]*$/;
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

/** A logout message as it arrived, parsed. */
export interface LogoutMessage {
  kind: 'SAMLRequest' | 'SAMLResponse';
  binding: 'redirect' | 'post';
  /** The encoded message as sent (base64). */
  encoded: string;
  root: XmlElement;
  relayState?: string;
  /** Redirect: Signature and SigAlg present; POST: a ds:Signature directly under the root. */
  signed: boolean;
  /** Redirect only: the decoded parameters and the query in the order SAML Bindings §3.4.4.1 signs. */
  container?: Record<string, string>;
  signedQuery?: string;
}

/**
 * Reads the one logout message of a request at the SLO endpoint.
 * @throws BrokerError `saml.logout_invalid` (missing, repeated, too large, not base64 / DEFLATE /
 *   UTF-8, DOCTYPE, malformed, IDs twice, a signature below the root).
 */
export function readLogoutMessage(input: UpstreamInput): LogoutMessage {
  const params = input.method === 'GET' ? new URLSearchParams(input.search) : new URLSearchParams(input.body);
  for (const name of ['SAMLRequest', 'SAMLResponse', 'RelayState', 'SigAlg', 'Signature']) {
    if (params.getAll(name).length > 1) throw invalid(`${name} repeated`);
  }
  const request = params.get('SAMLRequest');
  const response = params.get('SAMLResponse');
  if ((request === null) === (response === null)) throw invalid('not exactly one of SAMLRequest, SAMLResponse');
  const kind = request !== null ? 'SAMLRequest' : 'SAMLResponse';
  const encoded = (request ?? response)!;
  if (encoded.length > LOGOUT_MAX_ENCODED) throw invalid(`${encoded.length} characters`);
  if (!BASE64.test(encoded)) throw invalid('not base64');
  const relayState = params.get('RelayState') ?? undefined;
  let bytes = Buffer.from(encoded, 'base64');
  const binding = input.method === 'GET' ? 'redirect' : 'post';
  if (binding === 'redirect') {
    try {
      bytes = inflateRawSync(bytes, { maxOutputLength: LOGOUT_MAX_XML });
    } catch (e) {
      throw invalid(`DEFLATE: ${(e as Error).message}`);
    }
  }
  let xml: string;
  try {
    xml = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid('not UTF-8');
  }
  if (hasDoctype(xml)) throw invalid('DOCTYPE or ENTITY declaration');
  let root: XmlElement;
  try {
    root = parseXml(xml).documentElement as unknown as XmlElement;
  } catch (e) {
    if (e instanceof XmlMalformed) throw invalid(e.message);
    throw e;
  }
  const ids = new Set<string>();
  for (const e of allElements(root)) {
    const id = attr(e, 'ID');
    if (id !== undefined && ids.has(id)) throw invalid(`ID ${id} twice`);
    if (id !== undefined) ids.add(id);
    if (e.localName === 'Signature' && e.namespaceURI === NS.dsig && e.parentNode !== (root as unknown as Node)) throw invalid('Signature below the root');
  }
  if (binding === 'post') {
    return { kind, binding, encoded, root, ...(relayState !== undefined ? { relayState } : {}), signed: childrenNamed(root, NS.dsig, 'Signature').length > 0 };
  }
  const sigAlg = params.get('SigAlg');
  const signature = params.get('Signature');
  const raw = rawParams(input.search);
  const signedQuery = [`${kind}=${raw.get(kind) ?? ''}`, ...(raw.has('RelayState') ? [`RelayState=${raw.get('RelayState')}`] : []), `SigAlg=${raw.get('SigAlg') ?? ''}`].join('&');
  return {
    kind,
    binding,
    encoded,
    root,
    ...(relayState !== undefined ? { relayState } : {}),
    signed: sigAlg !== null && sigAlg !== '' && signature !== null && signature !== '',
    container: { [kind]: encoded, ...(relayState !== undefined ? { RelayState: relayState } : {}), ...(sigAlg !== null ? { SigAlg: sigAlg } : {}), ...(signature !== null ? { Signature: signature } : {}) },
    signedQuery,
  };
}

/** The NameID of a LogoutRequest or an assertion as the flat record stored with the broker session (B12). */
export function nameIdFacts(n: { value: string; format?: string; nameQualifier?: string; spNameQualifier?: string }): Record<string, string> {
  return {
    nameId: n.value,
    ...(n.format !== undefined ? { format: n.format } : {}),
    ...(n.nameQualifier !== undefined ? { nameQualifier: n.nameQualifier } : {}),
    ...(n.spNameQualifier !== undefined ? { spNameQualifier: n.spNameQualifier } : {}),
  };
}

/** What a LogoutRequest says. */
export interface LogoutRequestFacts {
  id: string;
  nameId: Record<string, string>;
  /** Every SessionIndex the request names (SAML Core §3.7.1: zero or more); empty = all of the NameID's sessions. */
  sessionIndexes: string[];
}

/**
 * The checks on a LogoutRequest's content (SAML Core §3.7.1): root `samlp:LogoutRequest` with an
 * ID; Issuer = the IdP; Destination, when present, = Tessera's SLO URL; NotOnOrAfter not passed
 * (with the skew); exactly one NameID (BaseID/EncryptedID are not accepted); any number of
 * SessionIndex elements (each must be non-empty). Pure: the instant is a parameter.
 * @throws BrokerError `saml.logout_invalid`, `saml.logout_no_subject`.
 */
export function logoutRequestFacts(root: XmlElement, e: { idpEntityId: string; sloUrl: string; nowMs: number; skewMs: number }): LogoutRequestFacts {
  if (root.localName !== 'LogoutRequest' || root.namespaceURI !== NS.protocol) throw invalid(`root is ${root.localName}, not samlp:LogoutRequest`);
  const id = attr(root, 'ID');
  if (!id) throw invalid('LogoutRequest ID missing');
  checkAddressing(root, e);
  const notOnOrAfter = attr(root, 'NotOnOrAfter');
  if (notOnOrAfter !== undefined && !(e.nowMs - e.skewMs < Date.parse(notOnOrAfter))) throw invalid('NotOnOrAfter passed');
  const nameIds = childrenNamed(root, NS.assertion, 'NameID');
  if (nameIds.length !== 1 || !(text(nameIds[0]) ?? '').trim()) throw new BrokerError('saml.logout_no_subject', `${nameIds.length} NameID elements`);
  const n = nameIds[0];
  const sessionIndexes = childrenNamed(root, NS.protocol, 'SessionIndex').map((el) => (text(el) ?? '').trim());
  if (sessionIndexes.some((v) => v === '')) throw invalid('an empty SessionIndex');
  return {
    id,
    nameId: nameIdFacts({ value: text(n) ?? '', format: attr(n, 'Format'), nameQualifier: attr(n, 'NameQualifier'), spNameQualifier: attr(n, 'SPNameQualifier') }),
    sessionIndexes: [...new Set(sessionIndexes)],
  };
}

/**
 * The checks on a LogoutResponse to Tessera's LogoutRequest (SAML Core §3.7.2): root
 * `samlp:LogoutResponse`; InResponseTo = the request sent (else unsolicited); Issuer and Destination.
 * @returns whether the status is Success.
 * @throws BrokerError `saml.logout_invalid`, `saml.logout_unsolicited`.
 */
export function logoutResponseSucceeded(root: XmlElement, e: { idpEntityId: string; sloUrl: string; expectedInResponseTo: string }): boolean {
  if (root.localName !== 'LogoutResponse' || root.namespaceURI !== NS.protocol) throw invalid(`root is ${root.localName}, not samlp:LogoutResponse`);
  if (attr(root, 'InResponseTo') !== e.expectedInResponseTo) throw new BrokerError('saml.logout_unsolicited', `InResponseTo ${attr(root, 'InResponseTo') ?? '(none)'}`);
  checkAddressing(root, e);
  const status = child(root, NS.protocol, 'Status');
  return attr(status ? child(status, NS.protocol, 'StatusCode') : undefined, 'Value') === SUCCESS;
}

/**
 * The ID of the LogoutRequest sent under a logout handle: derived, so the answer's InResponseTo
 * is checked without storing it, and the handle (the RelayState) cannot be read back from it.
 */
export function logoutRequestId(handle: string): string {
  return `_${createHash('sha256').update(`tessera.saml.logout-request:${handle}`).digest('hex')}`;
}

function checkAddressing(root: XmlElement, e: { idpEntityId: string; sloUrl: string }): void {
  const issuer = child(root, NS.assertion, 'Issuer');
  if (!issuer || (text(issuer) ?? '').trim() !== e.idpEntityId) throw invalid(`Issuer ${issuer ? text(issuer) : '(none)'}`);
  const destination = attr(root, 'Destination');
  if (destination !== undefined && destination !== e.sloUrl) throw invalid(`Destination ${destination}`);
}

/** The query's parameters as sent (still percent-encoded), the first of each name. */
function rawParams(search: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const token of search.replace(/^\?/, '').split('&')) {
    const eq = token.indexOf('=');
    const name = eq < 0 ? token : token.slice(0, eq);
    if (!out.has(name)) out.set(name, eq < 0 ? '' : token.slice(eq + 1));
  }
  return out;
}

function invalid(reason: string): BrokerError {
  return new BrokerError('saml.logout_invalid', reason);
}
