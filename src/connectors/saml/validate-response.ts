import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { checkAssertion, checkResponse, checkStatus, isRefusal, type AssertionExpectations, type AssertionFacts, type Refusal } from './assertion.rules';
import { NS, XmlMalformed, allElements, attr, child, childrenNamed, hasDoctype, parseXml, type XmlElement } from './xml';

/**
 * Validation of one SAMLResponse (issue 9 item 3): Tessera's checks around node-saml's
 * `validatePostResponseAsync`, which does the XML signature and decryption work. Runs in a
 * worker thread (see pool.ts) and offline in `tessera inspect saml`: no database, no clock of
 * its own (the instant is an input), results as plain JSON.
 *
 * Order: size cap before decoding; DOCTYPE and non-UTF-8 refused before parsing; one parse;
 * structure (one Response root, exactly one Assertion or EncryptedAssertion directly under it,
 * no other Assertion anywhere, signatures only on those two elements and referencing them,
 * unique IDs); cheap refusals on the document as posted; signature presence per policy;
 * node-saml (signature against the pinned certificates only, never KeyInfo; decryption with
 * each configured key in turn); every check again on the assertion node-saml returned from
 * the verified signature, which is the only source of the accepted facts.
 */

/** The provider's settings the checks need, resolved (certificates and keys as PEM). */
export interface ResponseSettings {
  idpEntityId: string;
  signingCertificates: string[];
  spEntityId: string;
  acsUrl: string;
  requireSignedAssertion: boolean;
  requireSignedResponse: boolean;
  clockSkewSeconds: number;
  allowedNameIdFormats: string[];
  decryptionKeys: string[];
  maxResponseBytes: number;
}

/** One response to judge. */
export interface ResponseInput {
  /** The SAMLResponse as posted (base64); `xml` when the caller has the XML itself (CLI). */
  samlResponse: string;
  encoding: 'base64' | 'xml';
  /** The instant to judge at, epoch ms. */
  nowMs: number;
  /** The outstanding AuthnRequest ID the response must answer; null = none (IdP-initiated). */
  expectedInResponseTo: string | null;
}

/** The verdict, as plain JSON (it crosses a worker boundary). */
export type ResponseVerdict = { ok: true; facts: AssertionFacts } | ({ ok: false } & Refusal);

const BASE64 = /^[A-Za-z0-9+/=\r\n\t ]*$/;

/** Judges one response. Never throws: every failure is a verdict with a stable `saml.*` code. */
export async function validateResponse(s: ResponseSettings, input: ResponseInput): Promise<ResponseVerdict> {
  try {
    return await judge(s, input);
  } catch (err) {
    return { ok: false, code: 'saml.signature_invalid', reason: `unexpected: ${(err as Error)?.message}` };
  }
}

async function judge(s: ResponseSettings, input: ResponseInput): Promise<ResponseVerdict> {
  if (input.samlResponse.length > s.maxResponseBytes) return refuse('saml.response_too_large', `${input.samlResponse.length} bytes`);
  let bytes: Buffer;
  if (input.encoding === 'base64') {
    if (!BASE64.test(input.samlResponse)) return refuse('saml.xml_malformed', 'SAMLResponse is not base64');
    bytes = Buffer.from(input.samlResponse, 'base64');
  } else {
    bytes = Buffer.from(input.samlResponse, 'utf8');
  }
  // UTF-16/32 would hide a DOCTYPE from a byte search (CVES.md "DTD hidden by encoding"): only UTF-8 is read.
  if ((bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0xff && bytes[1] === 0xfe) || bytes[0] === 0 || bytes[1] === 0) return refuse('saml.doctype_refused', 'UTF-16/32 document');
  let xml: string;
  try {
    xml = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    // HTTP-POST is never DEFLATE-compressed (SAML Bindings §3.5.4): anything not UTF-8 text is refused, never inflated.
    return refuse('saml.xml_malformed', 'not UTF-8 XML');
  }
  if (hasDoctype(xml)) return refuse('saml.doctype_refused', 'DOCTYPE or ENTITY declaration');
  let doc: Document;
  try {
    doc = parseXml(xml);
  } catch (e) {
    if (e instanceof XmlMalformed) return refuse('saml.xml_malformed', e.message);
    throw e;
  }
  const response = doc.documentElement as unknown as XmlElement;
  if (response.localName === 'Response' && !allElements(response).some((e) => e.localName === 'Assertion' || e.localName === 'EncryptedAssertion')) {
    const status = checkStatus(response);
    if (status) return { ok: false, ...status };
  }
  const structure = checkStructure(response);
  if (structure) return { ok: false, ...structure };

  const expect: AssertionExpectations = {
    idpEntityId: s.idpEntityId,
    spEntityId: s.spEntityId,
    acsUrl: s.acsUrl,
    skewMs: s.clockSkewSeconds * 1000,
    nowMs: input.nowMs,
    expectedInResponseTo: input.expectedInResponseTo,
    allowedNameIdFormats: s.allowedNameIdFormats,
  };
  const early = checkResponse(response, expect);
  if (early) return { ok: false, ...early };
  const plain = child(response, NS.assertion, 'Assertion');
  const encrypted = child(response, NS.assertion, 'EncryptedAssertion');
  if (plain) {
    const pre = checkAssertion(plain, expect, 'addressing');
    if (isRefusal(pre)) return { ok: false, ...pre };
  }
  const responseSigned = hasSignature(response);
  if (s.requireSignedResponse && !responseSigned) return refuse('saml.signature_missing', 'Response is not signed');
  if (plain && s.requireSignedAssertion && !hasSignature(plain)) return refuse('saml.signature_missing', 'Assertion is not signed');
  if (plain && !responseSigned && !hasSignature(plain)) return refuse('saml.signature_missing', 'neither Response nor Assertion is signed');
  if (encrypted && s.decryptionKeys.length === 0) return refuse('saml.decryption_failed', 'EncryptedAssertion but no decryptionKeys configured');

  const base64 = input.encoding === 'base64' ? input.samlResponse : Buffer.from(xml, 'utf8').toString('base64');
  let assertionXml: string | undefined;
  let lastError: Refusal = { code: 'saml.signature_invalid', reason: 'no signature verified' };
  for (const key of encrypted ? s.decryptionKeys : [undefined]) {
    try {
      const { profile } = await nodeSaml(s, key).validatePostResponseAsync({ SAMLResponse: base64 });
      assertionXml = profile?.getAssertionXml?.();
      if (assertionXml) break;
      lastError = { code: 'saml.structure_invalid', reason: 'node-saml returned no assertion' };
    } catch (err) {
      lastError = classify(err as Error, { encrypted: Boolean(encrypted), responseSigned });
      if (lastError.code !== 'saml.decryption_failed') break;
    }
  }
  if (!assertionXml) return { ok: false, ...lastError };

  // Acceptance comes only from the element node-saml verified (B06).
  let signed: XmlElement;
  try {
    signed = parseXml(assertionXml).documentElement as unknown as XmlElement;
  } catch (e) {
    return refuse('saml.structure_invalid', `verified assertion does not parse: ${(e as Error).message}`);
  }
  if (signed.localName !== 'Assertion' || signed.namespaceURI !== NS.assertion) return refuse('saml.structure_invalid', 'verified element is not an Assertion');
  if (plain && attr(plain, 'ID') !== attr(signed, 'ID')) return refuse('saml.structure_invalid', 'verified assertion is not the one in the Response');
  const facts = checkAssertion(signed, expect);
  if (!facts || isRefusal(facts)) return { ok: false, ...(facts ?? { code: 'saml.structure_invalid', reason: 'no facts' }) };
  const status = checkStatus(response);
  if (status) return { ok: false, ...status };
  // Correlation only from signed content: an unsigned Response's InResponseTo is not enough.
  if (input.expectedInResponseTo !== null && facts.inResponseTo === undefined && !responseSigned) {
    return refuse('saml.in_response_to_mismatch', 'no signed InResponseTo');
  }
  if (input.expectedInResponseTo === null && facts.inResponseTo !== undefined) return refuse('saml.in_response_to_unknown', 'signed InResponseTo without a request');
  return { ok: true, facts };
}

/** A node-saml instance for one check: every timing, audience and InResponseTo check is Tessera's (above). */
function nodeSaml(s: ResponseSettings, decryptionKey: string | undefined): SAML {
  return new SAML({
    idpCert: s.signingCertificates,
    issuer: s.spEntityId,
    callbackUrl: s.acsUrl,
    audience: false,
    acceptedClockSkewMs: -1,
    validateInResponseTo: ValidateInResponseTo.never,
    wantAssertionsSigned: s.requireSignedAssertion,
    wantAuthnResponseSigned: s.requireSignedResponse,
    ...(decryptionKey ? { decryptionPvk: decryptionKey } : {}),
  });
}

/** node-saml's error messages → stable codes (the message goes to the log only). */
function classify(err: Error, ctx: { encrypted: boolean; responseSigned: boolean }): Refusal {
  const msg = String(err?.message ?? err);
  if (/SAML provider returned/i.test(msg)) return { code: 'saml.status_not_success', reason: msg };
  if (/multiple assertions/i.test(msg)) return { code: 'saml.structure_invalid', reason: msg };
  if (ctx.encrypted && /from encrypted assertion/i.test(msg) && !ctx.responseSigned) return { code: 'saml.signature_missing', reason: msg };
  if (/signature|transforms|canonicalization|algorithm/i.test(msg)) return { code: 'saml.signature_invalid', reason: msg };
  if (ctx.encrypted) return { code: 'saml.decryption_failed', reason: msg };
  return { code: 'saml.structure_invalid', reason: msg };
}

/**
 * The document's shape (B06, CVE-2025-54419, CVE-2022-39299): a `samlp:Response` root; exactly
 * one Assertion or EncryptedAssertion, as a direct child; no Assertion anywhere else; every
 * ds:Signature a direct child of the Response or of that Assertion, referencing its parent's
 * ID; no ID value twice.
 */
function checkStructure(response: XmlElement): Refusal | undefined {
  if (response.localName !== 'Response' || response.namespaceURI !== NS.protocol) return { code: 'saml.structure_invalid', reason: `root is ${response.localName}, not samlp:Response` };
  const all = allElements(response);
  const assertions = all.filter((e) => (e.localName === 'Assertion' || e.localName === 'EncryptedAssertion') && e.namespaceURI === NS.assertion);
  if (assertions.length !== 1 || assertions[0].parentNode !== (response as unknown as Node)) return { code: 'saml.structure_invalid', reason: `${assertions.length} assertions, or one not directly under Response` };
  const ids = new Set<string>();
  for (const e of all) {
    const id = attr(e, 'ID');
    if (id === undefined) continue;
    if (ids.has(id)) return { code: 'saml.structure_invalid', reason: `ID ${id} twice` };
    ids.add(id);
  }
  for (const sig of all.filter((e) => e.localName === 'Signature' && e.namespaceURI === NS.dsig)) {
    const parent = sig.parentNode as unknown as XmlElement;
    if (parent !== response && parent !== assertions[0]) return { code: 'saml.structure_invalid', reason: `Signature inside ${parent.localName}` };
    const refs = allElements(sig).filter((e) => e.localName === 'Reference' && e.namespaceURI === NS.dsig);
    const uri = refs.length === 1 ? attr(refs[0], 'URI') : undefined;
    // URI="" is the whole document: allowed only for an enveloped signature on the root (XMLDSig §4.3.3.2).
    if (uri === undefined || (uri !== `#${attr(parent, 'ID') ?? ''}` && !(uri === '' && parent === response))) return { code: 'saml.structure_invalid', reason: 'Signature does not reference its parent element' };
  }
  return undefined;
}

function hasSignature(el: XmlElement): boolean {
  return childrenNamed(el, NS.dsig, 'Signature').length > 0;
}

function refuse(code: Refusal['code'], reason: string): ResponseVerdict {
  return { ok: false, code, reason };
}
