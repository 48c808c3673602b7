import type { ErrorCode } from '../../common';
import { NS, attr, child, childrenNamed, descendants, text, type XmlElement } from './xml';

/**
 * The checks Tessera adds to node-saml on one Response and its one Assertion (issue 9 item 3),
 * pure: no I/O, no clock (the instant is a parameter). They run twice: on the document as
 * posted, before any cryptography (cheap refusals; refusing on unsigned content is safe), and
 * again on the assertion node-saml returns from the verified signature, where acceptance comes
 * from (B06: never from an element the signature does not cover).
 */

/** A refusal: a stable `saml.*` code and a detail for the log (never shown to the browser). */
export interface Refusal {
  code: ErrorCode;
  reason: string;
}

/** What the checks compare against (the provider's settings, resolved). Times in milliseconds. */
export interface AssertionExpectations {
  idpEntityId: string;
  spEntityId: string;
  acsUrl: string;
  skewMs: number;
  nowMs: number;
  /** The AuthnRequest ID this answer must name, or null when none is outstanding (IdP-initiated). */
  expectedInResponseTo: string | null;
  allowedNameIdFormats: readonly string[];
}

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const UNSPECIFIED = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';

/**
 * Response-level checks on the root `samlp:Response`: Destination = ACS when present (SAML Bindings §3.5.5.2), Issuer =
 * the IdP when present (SAML Core §3.2.2), InResponseTo = the outstanding request.
 * @returns the first refusal, or undefined.
 */
export function checkResponse(response: XmlElement, e: AssertionExpectations): Refusal | undefined {
  const destination = attr(response, 'Destination');
  if (destination !== undefined && destination !== e.acsUrl) return { code: 'saml.destination_mismatch', reason: `Destination ${destination}` };
  const issuer = child(response, NS.assertion, 'Issuer');
  if (issuer && text(issuer) !== e.idpEntityId) return { code: 'saml.issuer_mismatch', reason: `Response Issuer ${text(issuer)}` };
  return checkInResponseTo(attr(response, 'InResponseTo'), e);
}

/** Status must be Success (SAML Core §3.2.2.2), whatever the assertion says. @returns a refusal, or undefined. */
export function checkStatus(response: XmlElement): Refusal | undefined {
  const status = child(response, NS.protocol, 'Status');
  const code = status ? attr(child(status, NS.protocol, 'StatusCode'), 'Value') : undefined;
  return code === SUCCESS ? undefined : { code: 'saml.status_not_success', reason: `status ${code ?? '(none)'}` };
}

function checkInResponseTo(value: string | undefined, e: AssertionExpectations): Refusal | undefined {
  if (value === undefined) return undefined;
  if (e.expectedInResponseTo === null) return { code: 'saml.in_response_to_unknown', reason: `InResponseTo ${value} names no outstanding request` };
  if (value !== e.expectedInResponseTo) return { code: 'saml.in_response_to_mismatch', reason: `InResponseTo ${value}` };
  return undefined;
}

/** The facts read from an accepted assertion. Dates as epoch milliseconds. */
export interface AssertionFacts {
  id: string;
  issuer: string;
  nameId?: { value: string; format?: string; nameQualifier?: string; spNameQualifier?: string };
  /** InResponseTo of the bearer SubjectConfirmationData (signed content), if any. */
  inResponseTo?: string;
  notOnOrAfterMs: number;
  authnInstantMs?: number;
  sessionIndex?: string;
  acr?: string;
  attributes: Record<string, (string | null)[]>;
  friendlyNames: Record<string, string>;
}

/**
 * Assertion checks (SAML Core §2, Profiles §4.1.4.2–3): ID and Issuer = IdP; exactly one bearer
 * SubjectConfirmation whose data has Recipient = ACS, NotOnOrAfter (required) and InResponseTo
 * = the outstanding request; Conditions with NotOnOrAfter (required) and optional NotBefore,
 * checked with the skew (NotOnOrAfter exclusive, B03); every AudienceRestriction names the SP
 * (AND across restrictions, OR within one, SAML Core §2.5.1.4, B44); NameID Format allowed.
 * `addressing` runs only the Issuer, Recipient and InResponseTo checks (before any cryptography).
 * @returns the facts (`full`), a refusal, or undefined (`addressing` passed).
 */
export function checkAssertion(a: XmlElement, e: AssertionExpectations, phase: 'addressing' | 'full' = 'full'): AssertionFacts | Refusal | undefined {
  const id = attr(a, 'ID');
  if (!id && phase === 'full') return { code: 'saml.required_field_missing', reason: 'Assertion ID missing' };
  const issuerEl = child(a, NS.assertion, 'Issuer');
  if (!issuerEl) return { code: 'saml.required_field_missing', reason: 'Assertion Issuer missing' };
  const issuer = text(issuerEl) ?? '';
  if (issuer !== e.idpEntityId) return { code: 'saml.issuer_mismatch', reason: `Assertion Issuer ${issuer}` };

  const subject = child(a, NS.assertion, 'Subject');
  const confirmations = subject ? childrenNamed(subject, NS.assertion, 'SubjectConfirmation').filter((c) => attr(c, 'Method') === BEARER) : [];
  if (confirmations.length === 0) return { code: 'saml.required_field_missing', reason: 'no bearer SubjectConfirmation' };
  let scdNotOnOrAfter: number | undefined;
  let inResponseTo: string | undefined;
  for (const c of confirmations) {
    const data = child(c, NS.assertion, 'SubjectConfirmationData');
    const recipient = attr(data, 'Recipient');
    if (recipient === undefined) return { code: 'saml.required_field_missing', reason: 'SubjectConfirmationData Recipient missing' };
    if (recipient !== e.acsUrl) return { code: 'saml.recipient_mismatch', reason: `Recipient ${recipient}` };
    const early = checkInResponseTo(attr(data, 'InResponseTo'), e);
    if (early || phase === 'addressing') {
      if (early) return early;
      continue;
    }
    const noa = time(attr(data, 'NotOnOrAfter'));
    if (noa === undefined) return { code: 'saml.required_field_missing', reason: 'SubjectConfirmationData NotOnOrAfter missing' };
    if (e.nowMs - e.skewMs >= noa) return { code: 'saml.assertion_expired', reason: 'SubjectConfirmationData NotOnOrAfter passed' };
    const nb = time(attr(data, 'NotBefore'));
    if (nb !== undefined && e.nowMs + e.skewMs < nb) return { code: 'saml.assertion_not_yet_valid', reason: 'SubjectConfirmationData NotBefore' };
    scdNotOnOrAfter = Math.min(scdNotOnOrAfter ?? noa, noa);
    const irt = attr(data, 'InResponseTo');
    const refused = checkInResponseTo(irt, e);
    if (refused) return refused;
    inResponseTo ??= irt;
  }

  if (phase === 'addressing') return undefined;
  const conditions = childrenNamed(a, NS.assertion, 'Conditions');
  if (conditions.length !== 1) return { code: 'saml.required_field_missing', reason: `${conditions.length} Conditions elements` };
  const notOnOrAfter = time(attr(conditions[0], 'NotOnOrAfter'));
  const notBefore = time(attr(conditions[0], 'NotBefore'));
  if (notOnOrAfter === undefined) return { code: 'saml.required_field_missing', reason: 'Conditions NotOnOrAfter missing' };
  if (notBefore !== undefined && e.nowMs + e.skewMs < notBefore) return { code: 'saml.assertion_not_yet_valid', reason: 'Conditions NotBefore' };
  if (e.nowMs - e.skewMs >= notOnOrAfter) return { code: 'saml.assertion_expired', reason: 'Conditions NotOnOrAfter passed' };
  const restrictions = childrenNamed(conditions[0], NS.assertion, 'AudienceRestriction');
  if (restrictions.length === 0) return { code: 'saml.audience_missing', reason: 'no AudienceRestriction' };
  for (const r of restrictions) {
    const audiences = childrenNamed(r, NS.assertion, 'Audience').map((x) => (text(x) ?? '').trim());
    if (!audiences.includes(e.spEntityId)) return { code: 'saml.audience_mismatch', reason: `Audience ${audiences.join(' ')}` };
  }

  const nameIdEl = subject ? child(subject, NS.assertion, 'NameID') : undefined;
  let nameId: AssertionFacts['nameId'];
  if (nameIdEl) {
    const format = attr(nameIdEl, 'Format');
    if (!e.allowedNameIdFormats.includes(format ?? UNSPECIFIED)) return { code: 'saml.name_id_format_refused', reason: `NameID Format ${format ?? '(none)'}` };
    nameId = { value: text(nameIdEl) ?? '', format, nameQualifier: attr(nameIdEl, 'NameQualifier'), spNameQualifier: attr(nameIdEl, 'SPNameQualifier') };
  }

  const authn = child(a, NS.assertion, 'AuthnStatement');
  const classRef = authn ? descendants(authn, NS.assertion, 'AuthnContextClassRef')[0] : undefined;
  const { attributes, friendlyNames } = readAttributes(a);
  return {
    id: id ?? '',
    issuer,
    nameId,
    inResponseTo,
    notOnOrAfterMs: Math.min(notOnOrAfter, scdNotOnOrAfter ?? notOnOrAfter),
    authnInstantMs: time(attr(authn, 'AuthnInstant')),
    sessionIndex: attr(authn, 'SessionIndex'),
    acr: classRef ? (text(classRef) ?? '').trim() : undefined,
    attributes,
    friendlyNames,
  };
}

/**
 * Attributes of every AttributeStatement (issue 9 item 5): each a list of strings under its
 * Name exactly as sent (URIs included); an empty AttributeValue is kept as ''; `xsi:nil` as
 * null; FriendlyName recorded beside. Values of one Name sent twice are concatenated.
 */
export function readAttributes(a: XmlElement): { attributes: Record<string, (string | null)[]>; friendlyNames: Record<string, string> } {
  const attributes: Record<string, (string | null)[]> = Object.create(null);
  const friendlyNames: Record<string, string> = Object.create(null);
  for (const statement of childrenNamed(a, NS.assertion, 'AttributeStatement')) {
    for (const at of childrenNamed(statement, NS.assertion, 'Attribute')) {
      const name = attr(at, 'Name');
      if (!name) continue;
      const values = childrenNamed(at, NS.assertion, 'AttributeValue').map((v) => (v.getAttributeNS(NS.xsi, 'nil') === 'true' ? null : (text(v) ?? '')));
      attributes[name] = [...(attributes[name] ?? []), ...values];
      const friendly = attr(at, 'FriendlyName');
      if (friendly !== undefined) friendlyNames[name] = friendly;
    }
  }
  return { attributes: { ...attributes }, friendlyNames: { ...friendlyNames } };
}

/** Epoch ms of an xs:dateTime, or undefined when absent or unparsable. */
function time(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** True for a refusal. */
export function isRefusal(v: unknown): v is Refusal {
  return typeof v === 'object' && v !== null && 'code' in v && 'reason' in v;
}
