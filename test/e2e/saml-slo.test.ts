/**
 * SAML Single Logout through Tessera (issue 9 item 6; SAML Core §3.7, Profiles §4.4), against a
 * samlify IdP on another site (127.0.0.1) than Tessera (localhost): the LogoutRequest Tessera
 * sends names the NameID exactly as issued, with its SessionIndex (B12); the IdP's LogoutRequests
 * end a broker session only when signed by the provider's key and naming its NameID and
 * SessionIndex, and everything else is refused from the attacker's side with nothing ended (B39).
 */
import { inflateRawSync } from 'node:zlib';
import * as oidc from 'openid-client';
import { stringify } from 'yaml';
import { SAML_DEMO_IDP, SAML_DEMO_IDP2, SAML_DEMO_SP } from '../../demo/saml-keys';
import { startSamlIdp, type RunningSamlIdp } from '../../demo/saml-idp';
import { appAuthorizationRequest } from '../support/app-login';
import { Browser, parseForms } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';
import {
  element,
  logoutRequestXml,
  logoutResponseXml,
  postLogoutRequest,
  readTesseraRedirect,
  redirectLogoutRequest,
  redirectLogoutResponse,
  sloPeer,
  type NameIdSpec,
  type SloPeer,
} from '../support/saml-slo';

const PROVIDER = 'saml-slo';
let h: Harness;
let idp: RunningSamlIdp;
/** Where the IdP's SLO endpoint would be (the browser stops there). */
let idpSlo: string;
let tesseraSlo: string;
let spEntityId: string;
/** The IdP signing with its own key; unsigned; signing with another IdP's key. */
let signed: SloPeer;
let unsigned: SloPeer;
let foreign: SloPeer;

beforeAll(async () => {
  idp = await startSamlIdp({});
  idpSlo = `${idp.url}/slo`;
  h = await startHarness({
    extraProviderFiles: {
      [PROVIDER]: stringify({
        displayName: 'SAML with SLO',
        protocol: 'saml',
        saml: {
          entityId: idp.entityId,
          ssoUrl: idp.ssoUrl,
          sloUrl: idpSlo,
          signingCertificates: [SAML_DEMO_IDP.cert],
          spSigningKey: '${E2E_SAML_SP_KEY}',
          spSigningCertificate: SAML_DEMO_SP.cert,
          allowInsecureRequests: true,
        },
        trust: { emailVerified: 'asserted', domains: ['demo.tessera.test'] },
      }),
    },
    env: { E2E_SAML_SP_KEY: SAML_DEMO_SP.key },
  });
  spEntityId = `${h.issuer}/federation/saml/${PROVIDER}/metadata`;
  tesseraSlo = `${h.issuer}/federation/saml/${PROVIDER}/slo`;
  idp.setServiceProvider({ entityId: spEntityId, acsUrl: `${h.issuer}/federation/saml/${PROVIDER}/acs` });
  const base = { entityId: idp.entityId, idpSloUrl: idpSlo, spEntityId, tesseraSlo, spCert: SAML_DEMO_SP.cert };
  signed = sloPeer({ ...base, signing: SAML_DEMO_IDP, signed: true });
  unsigned = sloPeer({ ...base, signing: SAML_DEMO_IDP, signed: false });
  foreign = sloPeer({ ...base, signing: SAML_DEMO_IDP2, signed: true });
}, 90_000);

afterAll(async () => {
  await h?.close();
  await idp?.close();
});

/** A SAML login of `user` down to the app's tokens: the browser, the session id, the ID token, and the assertion's NameID and SessionIndex. */
async function login(user = 'alice') {
  const b = new Browser();
  const req = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: PROVIDER });
  const first = await b.follow(req.url);
  const [form] = parseForms(await first.response.text(), first.url);
  const answered = await b.submit(form, { username: user, password: `${user}-password` }, first.url);
  const [acs] = parseForms(await answered.response.text(), answered.url);
  const assertion = Buffer.from(acs.fields.SAMLResponse, 'base64').toString('utf8');
  const done = await b.submit(acs, {}, answered.url, { stopAt: [APP_REDIRECT] });
  const tokens = await oidc.authorizationCodeGrant(h.app, new URL(done.stoppedAt!), { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
  const nameIdEl = element(assertion, 'NameID')!;
  const nameId: NameIdSpec = {
    value: nameIdEl.text,
    format: nameIdEl.attributes.Format,
    nameQualifier: nameIdEl.attributes.NameQualifier,
    spNameQualifier: nameIdEl.attributes.SPNameQualifier,
  };
  return { b, sid: tokens.claims()!.sid as string, idToken: tokens.id_token!, nameIdEl, nameId, sessionIndex: element(assertion, 'AuthnStatement')!.attributes.SessionIndex };
}

async function ended(sid: string): Promise<boolean> {
  const rows = (await h.dataSource.query('SELECT ended_at FROM broker_sessions WHERE id = $1', [sid])) as Array<{ ended_at: Date | null }>;
  expect(rows).toHaveLength(1);
  return rows[0].ended_at !== null;
}

async function get(url: string): Promise<Response> {
  return fetch(url, { redirect: 'manual' });
}

async function post(url: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
}

async function refusedWith(res: Response, code: string): Promise<void> {
  expect(res.status).toBe(400);
  expect(await res.text()).toContain(code);
}

describe('SP-initiated Single Logout (SAML Profiles §4.4.3.1; issue 9 item 6)', () => {
  it('B12: RP-initiated logout ends the session and sends a signed LogoutRequest whose NameID is identical to the assertion’s (value, Format, NameQualifier, SPNameQualifier) plus its SessionIndex', async () => {
    const s = await login('alice');
    const out = await s.b.follow(`${h.issuer}/oauth2/logout?id_token_hint=${encodeURIComponent(s.idToken)}`, { stopAt: [idpSlo] });
    expect(out.stoppedAt).toBeDefined();
    expect(await ended(s.sid)).toBe(true);
    // samlify verifies the Redirect-binding signature against Tessera's SP certificate.
    const sent = await readTesseraRedirect(signed, out.stoppedAt!, 'LogoutRequest');
    const nameId = element(sent.xml, 'NameID')!;
    expect(nameId).toEqual(s.nameIdEl);
    expect(Object.keys(nameId.attributes).sort()).toEqual(['Format', 'NameQualifier', 'SPNameQualifier']);
    expect(element(sent.xml, 'SessionIndex')!.text).toBe(s.sessionIndex);
    expect(element(sent.xml, 'Issuer')!.text).toBe(spEntityId);
    expect(element(sent.xml, 'LogoutRequest')!.attributes.Destination).toBe(idpSlo);
    expect(sent.relayState).toBeTruthy();

    // B39 (d) on the way back: an unsigned answer carrying the right RelayState is refused.
    const requestId = element(sent.xml, 'LogoutRequest')!.attributes.ID;
    const answer = logoutResponseXml({ issuer: idp.entityId, destination: tesseraSlo, inResponseTo: requestId });
    await refusedWith(await get(redirectLogoutResponse(unsigned, answer, sent.relayState)), 'saml.logout_signature_missing');
    await refusedWith(await get(redirectLogoutResponse(foreign, answer, sent.relayState)), 'saml.logout_signature_invalid');
    // An answer to another request under this RelayState is unsolicited.
    const other = logoutResponseXml({ issuer: idp.entityId, destination: tesseraSlo, inResponseTo: '_another' });
    await refusedWith(await get(redirectLogoutResponse(signed, other, sent.relayState)), 'saml.logout_unsolicited');
    // The IdP's signed LogoutResponse brings the browser to Tessera's signed-out page.
    const back = await s.b.follow(redirectLogoutResponse(signed, answer, sent.relayState));
    expect(back.response.status).toBe(200);
    expect(new URL(back.url).pathname).toBe('/oauth2/logout/done');
  }, 60_000);

  it('the SP metadata lists the SLO endpoint for HTTP-Redirect and HTTP-POST and the signing certificate', async () => {
    const xml = await (await fetch(`${h.issuer}/federation/saml/${PROVIDER}/metadata`)).text();
    expect(xml).toContain(`Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${tesseraSlo}"`);
    expect(xml).toContain(`Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${tesseraSlo}"`);
    expect(xml).toContain('use="signing"');
  });
});

describe('IdP-initiated Single Logout at /federation/saml/{provider}/slo (SAML Core §3.7.3; B39)', () => {
  let s: Awaited<ReturnType<typeof login>>;
  beforeAll(async () => {
    s = await login('bob');
  }, 60_000);

  const request = (o: { nameId?: NameIdSpec | null; sessionIndex?: string | null } = {}) =>
    logoutRequestXml({
      issuer: idp.entityId,
      destination: tesseraSlo,
      nameId: o.nameId === undefined ? s.nameId : o.nameId,
      ...(o.sessionIndex === null ? {} : { sessionIndex: o.sessionIndex ?? s.sessionIndex }),
    });

  it('B39 (a): an unsigned Redirect-binding LogoutRequest naming the session is refused (saml.logout_signature_missing); nothing ends', async () => {
    await refusedWith(await get(redirectLogoutRequest(unsigned, request())), 'saml.logout_signature_missing');
    expect(await ended(s.sid)).toBe(false);
  });

  it('B39 (a), HTTP-POST: an unsigned posted LogoutRequest is refused the same way', async () => {
    await refusedWith(await post(tesseraSlo, postLogoutRequest(unsigned, request())), 'saml.logout_signature_missing');
    expect(await ended(s.sid)).toBe(false);
  });

  it('B39 (b): a LogoutRequest signed by another IdP’s key is refused (saml.logout_signature_invalid), Redirect and POST', async () => {
    await refusedWith(await get(redirectLogoutRequest(foreign, request())), 'saml.logout_signature_invalid');
    await refusedWith(await post(tesseraSlo, postLogoutRequest(foreign, request())), 'saml.logout_signature_invalid');
    expect(await ended(s.sid)).toBe(false);
  });

  it('B39 (b): a signed Redirect query with its LogoutRequest swapped after signing is refused', async () => {
    const url = new URL(redirectLogoutRequest(signed, request()));
    const swapped = new URL(redirectLogoutRequest(unsigned, request({ nameId: { ...s.nameId, value: 'saml-someone-else' } })));
    url.searchParams.set('SAMLRequest', swapped.searchParams.get('SAMLRequest')!);
    await refusedWith(await get(url.href), 'saml.logout_signature_invalid');
    expect(await ended(s.sid)).toBe(false);
  });

  it.each([
    ['another NameID', { nameId: { value: 'saml-someone-else', format: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent' } }],
    ['the NameID without its qualifiers', { nameId: { value: 'placeholder' } }],
    ['another SessionIndex', { sessionIndex: '_other' }],
  ])('B39 (c): correctly signed but naming %s: no session ends, and the IdP gets a signed LogoutResponse that is not Success', async (_what, o) => {
    const opts = o as { nameId?: NameIdSpec; sessionIndex?: string };
    const nameId = opts.nameId?.value === 'placeholder' ? { value: s.nameId.value, format: s.nameId.format } : opts.nameId;
    const res = await get(redirectLogoutRequest(signed, request({ ...(nameId ? { nameId } : {}), ...(opts.sessionIndex ? { sessionIndex: opts.sessionIndex } : {}) })));
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location.startsWith(idpSlo)).toBe(true);
    expect(new URL(location).searchParams.get('Signature')).toBeTruthy();
    const answer = await readTesseraRedirect(signed, location, 'LogoutResponse').catch((e: Error) => ({ error: e.message }));
    // samlify refuses a non-Success status while parsing; the status itself is read from the XML.
    const xml = 'xml' in answer ? answer.xml : inflate(new URL(location).searchParams.get('SAMLResponse')!);
    expect(element(xml, 'StatusCode')!.attributes.Value).toBe('urn:oasis:names:tc:SAML:2.0:status:Requester');
    expect(await ended(s.sid)).toBe(false);
  });

  it('B39 (d): an unsolicited unsigned LogoutResponse without InResponseTo is refused (saml.logout_unsolicited); nothing ends', async () => {
    const answer = logoutResponseXml({ issuer: idp.entityId, destination: tesseraSlo, inResponseTo: null });
    await refusedWith(await get(redirectLogoutResponse(unsigned, answer)), 'saml.logout_unsolicited');
    expect(await ended(s.sid)).toBe(false);
  });

  it('B39 (e): a correctly signed LogoutRequest with a SessionIndex but no NameID is refused (saml.logout_no_subject), never a 5xx', async () => {
    await refusedWith(await get(redirectLogoutRequest(signed, request({ nameId: null }))), 'saml.logout_no_subject');
    expect(await ended(s.sid)).toBe(false);
  });

  it('a LogoutRequest from another Issuer, or for another Destination, is refused (saml.logout_invalid)', async () => {
    const wrongIssuer = logoutRequestXml({ issuer: 'https://idp.evil.example', destination: tesseraSlo, nameId: s.nameId, sessionIndex: s.sessionIndex });
    await refusedWith(await get(redirectLogoutRequest(signed, wrongIssuer)), 'saml.logout_invalid');
    const wrongDestination = logoutRequestXml({ issuer: idp.entityId, destination: `${h.issuer}/federation/saml/other/slo`, nameId: s.nameId, sessionIndex: s.sessionIndex });
    await refusedWith(await get(redirectLogoutRequest(signed, wrongDestination)), 'saml.logout_invalid');
    expect(await ended(s.sid)).toBe(false);
  });

  it('B39: a correctly signed POST LogoutRequest with the stored NameID and SessionIndex ends the session and answers a signed Success LogoutResponse with InResponseTo = its ID; a replay is refused', async () => {
    const msg = request();
    const fields = postLogoutRequest(signed, msg);
    const res = await post(tesseraSlo, fields);
    expect(res.status).toBe(303);
    expect(await ended(s.sid)).toBe(true);
    const answer = await readTesseraRedirect(signed, res.headers.get('location')!, 'LogoutResponse');
    expect(element(answer.xml, 'LogoutResponse')!.attributes.InResponseTo).toBe(msg.id);
    expect(element(answer.xml, 'StatusCode')!.attributes.Value).toBe('urn:oasis:names:tc:SAML:2.0:status:Success');
    expect(element(answer.xml, 'Issuer')!.text).toBe(spEntityId);
    await refusedWith(await post(tesseraSlo, fields), 'saml.logout_replayed');
  }, 30_000);

  it('a correctly signed Redirect LogoutRequest without SessionIndex ends every session of that NameID (SAML Core §3.7.3.2), and only those', async () => {
    const carol1 = await login('carol');
    const carol2 = await login('carol');
    const alice = await login('alice');
    const res = await get(redirectLogoutRequest(signed, logoutRequestXml({ issuer: idp.entityId, destination: tesseraSlo, nameId: carol1.nameId })));
    expect(res.status).toBe(303);
    expect([await ended(carol1.sid), await ended(carol2.sid), await ended(alice.sid)]).toEqual([true, true, false]);
  }, 60_000);

  it('a LogoutRequest naming several SessionIndex values ends the NameID\'s sessions with any of them, and only those (SAML Core §3.7.1: zero or more SessionIndex)', async () => {
    const bob1 = await login('bob');
    const bob2 = await login('bob');
    const bob3 = await login('bob');
    const msg = logoutRequestXml({ issuer: idp.entityId, destination: tesseraSlo, nameId: bob1.nameId, sessionIndex: ['_not-a-session', bob1.sessionIndex, bob3.sessionIndex] });
    const res = await get(redirectLogoutRequest(signed, msg));
    expect(res.status).toBe(303);
    const answer = await readTesseraRedirect(signed, res.headers.get('location')!, 'LogoutResponse');
    expect(element(answer.xml, 'StatusCode')!.attributes.Value).toBe('urn:oasis:names:tc:SAML:2.0:status:Success');
    expect([await ended(bob1.sid), await ended(bob2.sid), await ended(bob3.sid)]).toEqual([true, false, true]);
  }, 60_000);
});

function inflate(b64: string): string {
  return inflateRawSync(Buffer.from(b64, 'base64')).toString('utf8');
}
