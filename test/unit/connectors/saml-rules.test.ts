/**
 * Tessera's own SAML checks as tables (src/connectors/saml/assertion.rules.ts and the
 * pre-parse steps of validate-response.ts), from the attacker's side: clock skew (B03),
 * AudienceRestriction semantics (B44), Destination/Recipient (B44 f), InResponseTo never
 * downgraded, NameID formats, attributes kept as sent (issue 9 item 5), DOCTYPE and size caps.
 */
import { checkAssertion, checkResponse, checkStatus, readAttributes, type AssertionExpectations } from '../../../src/connectors/saml/assertion.rules';
import { validateResponse, type ResponseSettings } from '../../../src/connectors/saml/validate-response';
import { parseXml } from '../../../src/connectors/saml/xml';

const IDP = 'https://idp-a.example/saml';
const SP = 'https://broker.example/sp';
const ACS = 'https://broker.example/federation/saml/idp-a/acs';
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

const base: AssertionExpectations = {
  idpEntityId: IDP,
  spEntityId: SP,
  acsUrl: ACS,
  skewMs: 60_000,
  nowMs: Date.parse('2024-05-01T10:00:00.400Z'),
  expectedInResponseTo: '_req1',
  allowedNameIdFormats: [PERSISTENT],
};

interface Parts {
  notBefore?: string;
  notOnOrAfter?: string;
  scdNotOnOrAfter?: string;
  recipient?: string;
  inResponseTo?: string | null;
  audiences?: string;
  format?: string;
  attributes?: string;
}

function assertion(p: Parts = {}): Element {
  const irt = p.inResponseTo === null ? '' : ` InResponseTo="${p.inResponseTo ?? '_req1'}"`;
  const xml =
    `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="_a9" Version="2.0" IssueInstant="2024-05-01T10:00:00Z">` +
    `<saml:Issuer>${IDP}</saml:Issuer><saml:Subject><saml:NameID Format="${p.format ?? PERSISTENT}" NameQualifier="${IDP}" SPNameQualifier="${SP}">g-7f3a9c</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${p.scdNotOnOrAfter ?? '2024-05-01T10:05:01.000Z'}" Recipient="${p.recipient ?? ACS}"${irt}/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${p.notBefore ?? '2024-05-01T10:00:01.000Z'}" NotOnOrAfter="${p.notOnOrAfter ?? '2024-05-01T10:05:01.000Z'}">${p.audiences ?? `<saml:AudienceRestriction><saml:Audience>${SP}</saml:Audience></saml:AudienceRestriction>`}</saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="2024-05-01T09:59:58Z" SessionIndex="_sidx42"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    (p.attributes ?? '') +
    `</saml:Assertion>`;
  return parseXml(xml).documentElement as unknown as Element;
}

function verdict(p: Parts, e: Partial<AssertionExpectations> = {}): string {
  const r = checkAssertion(assertion(p), { ...base, ...e });
  return r && 'code' in r ? r.code : 'accepted';
}

const AR = (...auds: string[]) => `<saml:AudienceRestriction>${auds.map((a) => `<saml:Audience>${a}</saml:Audience>`).join('')}</saml:AudienceRestriction>`;

describe('B03: clock skew on NotBefore / NotOnOrAfter (default 60 s, NotOnOrAfter exclusive)', () => {
  const end = Date.parse('2024-05-01T10:05:01.000Z');
  it.each([
    ['an IdP 600 ms ahead (NotBefore 10:00:01.000 at broker time 10:00:00.400)', base.nowMs, 'accepted'],
    ['just before NotOnOrAfter + skew', end + 60_000 - 1, 'accepted'],
    ['exactly NotOnOrAfter + skew', end + 60_000, 'saml.assertion_expired'],
    ['NotOnOrAfter + skew + 1 ms', end + 60_001, 'saml.assertion_expired'],
    ['NotBefore more than the skew ahead', Date.parse('2024-05-01T09:59:00.999Z'), 'saml.assertion_not_yet_valid'],
  ])('%s → %s', (_t, nowMs, expected) => {
    expect(verdict({}, { nowMs })).toBe(expected);
  });

  it('with skew 0, the 600 ms-ahead IdP is not yet valid', () => {
    expect(verdict({}, { skewMs: 0 })).toBe('saml.assertion_not_yet_valid');
  });
});

describe('B44: AudienceRestriction (SAML Core §2.5.1.4: AND across restrictions, OR within one)', () => {
  it.each([
    ['(a) another SP only', AR('https://other-sp.example'), 'saml.audience_mismatch'],
    ['(b) no AudienceRestriction', '', 'saml.audience_missing'],
    ['(c) two Audience values, ours second', AR('https://other-sp.example', SP), 'accepted'],
    ['(d) two restrictions, ours only in the first', AR(SP) + AR('https://other-sp.example'), 'saml.audience_mismatch'],
    ['(e) an empty Audience', AR(''), 'saml.audience_mismatch'],
    ['ours in both restrictions', AR(SP) + AR(SP, 'https://x.example'), 'accepted'],
  ])('%s → %s', (_t, audiences, expected) => {
    expect(verdict({ audiences })).toBe(expected);
  });

  it('(f) right audience, Recipient another ACS → saml.recipient_mismatch', () => {
    expect(verdict({ recipient: 'https://broker.example/federation/saml/idp-b/acs' })).toBe('saml.recipient_mismatch');
  });

  it('(f) right audience, Response Destination another ACS → saml.destination_mismatch', () => {
    const response = parseXml(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r1" Destination="https://evil.example/acs"/>`).documentElement as unknown as Element;
    expect(checkResponse(response, base)?.code).toBe('saml.destination_mismatch');
  });
});

describe('InResponseTo: correlation comes from the request Tessera issued (issue 9 item 2)', () => {
  it.each([
    ['the outstanding request', '_req1', '_req1', 'accepted'],
    ['another request ID', '_other', '_req1', 'saml.in_response_to_mismatch'],
    ['an InResponseTo when no request is outstanding (never downgraded to IdP-initiated)', '_req1', null, 'saml.in_response_to_unknown'],
    ['no InResponseTo, IdP-initiated', null, null, 'accepted'],
  ])('%s → %s', (_t, irt, expected, result) => {
    expect(verdict({ inResponseTo: irt }, { expectedInResponseTo: expected })).toBe(result);
  });
});

describe('NameID Format allow-list (default persistent only)', () => {
  it.each([
    [PERSISTENT, [PERSISTENT], 'accepted'],
    ['urn:oasis:names:tc:SAML:2.0:nameid-format:transient', [PERSISTENT], 'saml.name_id_format_refused'],
    ['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', [PERSISTENT, 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'], 'accepted'],
  ])('%s with %j → %s', (format, allowed, expected) => {
    expect(verdict({ format }, { allowedNameIdFormats: allowed })).toBe(expected);
  });
});

describe('B12 / issue 9 item 5: what an accepted assertion yields', () => {
  it('NameID value, Format, both qualifiers and the SessionIndex are kept, with AuthnInstant and AuthnContextClassRef', () => {
    const facts = checkAssertion(assertion(), base);
    expect(facts).toMatchObject({
      id: '_a9',
      issuer: IDP,
      nameId: { value: 'g-7f3a9c', format: PERSISTENT, nameQualifier: IDP, spNameQualifier: SP },
      sessionIndex: '_sidx42',
      acr: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
      authnInstantMs: Date.parse('2024-05-01T09:59:58Z'),
    });
  });

  it('attributes: Name as sent (URIs too), every value a string, empty values kept, xsi:nil as null, FriendlyName recorded', () => {
    const attrs =
      '<saml:AttributeStatement>' +
      '<saml:Attribute Name="urn:oid:0.9.2342.19200300.100.1.3" FriendlyName="mail"><saml:AttributeValue>a@x.example</saml:AttributeValue></saml:Attribute>' +
      '<saml:Attribute Name="groups"><saml:AttributeValue>staff</saml:AttributeValue><saml:AttributeValue></saml:AttributeValue><saml:AttributeValue xsi:nil="true"/></saml:Attribute>' +
      '<saml:Attribute Name="note"><saml:AttributeValue>a<!-- c -->b</saml:AttributeValue></saml:Attribute>' +
      '</saml:AttributeStatement>';
    expect(readAttributes(assertion({ attributes: attrs }))).toEqual({
      attributes: { 'urn:oid:0.9.2342.19200300.100.1.3': ['a@x.example'], groups: ['staff', '', null], note: ['ab'] },
      friendlyNames: { 'urn:oid:0.9.2342.19200300.100.1.3': 'mail' },
    });
  });
});

describe('Status must be Success (issue 9 item 3)', () => {
  it.each([
    ['urn:oasis:names:tc:SAML:2.0:status:Success', undefined],
    ['urn:oasis:names:tc:SAML:2.0:status:Responder', 'saml.status_not_success'],
    ['Failure', 'saml.status_not_success'],
  ])('%s → %s', (value, expected) => {
    const r = parseXml(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r"><samlp:Status><samlp:StatusCode Value="${value}"/></samlp:Status></samlp:Response>`);
    expect(checkStatus(r.documentElement as unknown as Element)?.code).toBe(expected);
  });
});

describe('refused before parsing or decoding (issue 9 items 3 and 8)', () => {
  const settings: ResponseSettings = {
    idpEntityId: IDP,
    signingCertificates: [],
    spEntityId: SP,
    acsUrl: ACS,
    requireSignedAssertion: true,
    requireSignedResponse: false,
    clockSkewSeconds: 60,
    allowedNameIdFormats: [PERSISTENT],
    decryptionKeys: [],
    maxResponseBytes: 256 * 1024,
  };
  const judge = (samlResponse: string, encoding: 'xml' | 'base64' = 'base64') => validateResponse(settings, { samlResponse, encoding, nowMs: base.nowMs, expectedInResponseTo: null });

  it('a SAMLResponse over the cap is refused without decoding it', async () => {
    expect(await judge('A'.repeat(256 * 1024 + 1))).toMatchObject({ ok: false, code: 'saml.response_too_large' });
  });

  it.each([
    ['an internal DOCTYPE', '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]><r/>'],
    ['an external entity', '<!DOCTYPE r SYSTEM "file:///etc/passwd"><r/>'],
  ])('%s is refused before parsing', async (_t, xml) => {
    expect(await judge(Buffer.from(xml).toString('base64'))).toMatchObject({ ok: false, code: 'saml.doctype_refused' });
  });

  it('CVES.md: a DTD hidden in UTF-16 is refused (only UTF-8 is read)', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<!DOCTYPE r><r/>', 'utf16le')]);
    expect(await judge(utf16.toString('base64'))).toMatchObject({ ok: false, code: 'saml.doctype_refused' });
  });

  it('B06: an Assertion nested inside another is refused whatever its signatures', async () => {
    const xml =
      '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r"><saml:Assertion ID="evil"><saml:Assertion ID="_good"/></saml:Assertion></samlp:Response>';
    expect(await judge(xml, 'xml')).toMatchObject({ ok: false, code: 'saml.structure_invalid' });
  });

  it('not base64 → saml.xml_malformed', async () => {
    expect(await judge('<<<not base64>>>')).toMatchObject({ ok: false, code: 'saml.xml_malformed' });
  });
});
