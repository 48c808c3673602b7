/**
 * SAML 2.0 upstream end to end against samlify IdPs (demo/saml-idp.ts) on another site
 * (127.0.0.1) than Tessera (localhost): SP-initiated login down to the app's tokens, the
 * cross-site ACS POST parked and continued same-site (B11), and the variations: encrypted
 * assertion, signed Response only (B05), two signing certificates (B04), replay, a request of
 * one provider answered by another (B02).
 */
import * as oidc from 'openid-client';
import { DOMParser } from '@xmldom/xmldom';
import { stringify } from 'yaml';
import { SAML_DEMO_IDP, SAML_DEMO_IDP2, SAML_DEMO_SP } from '../../demo/saml-keys';
import { startSamlIdp, type RunningSamlIdp, type SamlIdpOptions } from '../../demo/saml-idp';
import { appAuthorizationRequest } from '../support/app-login';
import { Browser, parseForms } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';

let h: Harness;
const idps: Record<string, RunningSamlIdp> = {};

const REFEDS_MFA = 'https://refeds.org/profile/mfa';

/** The IdPs, each configured as its own provider. */
const SETUPS: Record<string, { idp: SamlIdpOptions; saml: Record<string, unknown>; file?: Record<string, unknown> }> = {
  'demo-saml': { idp: {}, saml: {} },
  'saml-enc': { idp: { encryptTo: SAML_DEMO_SP.cert }, saml: { decryptionKeys: ['${E2E_SAML_SP_KEY}'] } },
  'saml-resp': { idp: { signAssertion: false, signResponse: true }, saml: { requireSignedAssertion: false, requireSignedResponse: true } },
  'saml-strict': { idp: { signAssertion: false, signResponse: true }, saml: {} },
  'saml-roll': { idp: { signing: SAML_DEMO_IDP2 }, saml: { extraCerts: [SAML_DEMO_IDP.cert, SAML_DEMO_IDP2.cert] } },
  'saml-untrusted': { idp: { signing: SAML_DEMO_IDP2 }, saml: {} },
  'saml-idpinit': { idp: {}, saml: { idpInitiated: { client: 'landing' } } },
  // B43: aal2 maps to REFEDS MFA; one IdP answers with a password login, the other with MFA.
  'saml-acr': { idp: {}, saml: {}, file: { acrValues: { aal2: REFEDS_MFA } } },
  'saml-mfa': { idp: { authnContextClassRef: REFEDS_MFA }, saml: { authnContextComparison: 'minimum' }, file: { acrValues: { aal2: REFEDS_MFA } } },
};

/** The landing app of IdP-initiated logins: its third-party-initiated login URI and redirect URI (nothing listens). */
const LANDING_INITIATE = 'http://127.0.0.1:9/landing/initiate';
const LANDING_REDIRECT = 'http://127.0.0.1:9/landing/callback';

beforeAll(async () => {
  const files: Record<string, string> = {};
  for (const [id, setup] of Object.entries(SETUPS)) {
    const idp = await startSamlIdp(setup.idp);
    idps[id] = idp;
    const { extraCerts, ...saml } = setup.saml as { extraCerts?: string[] };
    files[id] = stringify({
      displayName: `SAML ${id}`,
      protocol: 'saml',
      saml: {
        entityId: idp.entityId,
        ssoUrl: idp.ssoUrl,
        // saml-untrusted pins the demo key while its IdP signs with another one.
        signingCertificates: extraCerts ?? [SAML_DEMO_IDP.cert],
        allowInsecureRequests: true,
        ...saml,
      },
      trust: { emailVerified: 'asserted', domains: ['demo.tessera.test'] },
      ...setup.file,
    });
  }
  h = await startHarness({
    extraProviderFiles: files,
    env: { E2E_SAML_SP_KEY: SAML_DEMO_SP.key },
    extraClients: [{ id: 'landing', redirectUris: [LANDING_REDIRECT], initiateLoginUri: LANDING_INITIATE }],
  });
  for (const [id, idp] of Object.entries(idps)) {
    idp.setServiceProvider({ entityId: `${h.issuer}/federation/saml/${id}/metadata`, acsUrl: `${h.issuer}/federation/saml/${id}/acs` });
  }
}, 90_000);

afterAll(async () => {
  await h?.close();
  for (const idp of Object.values(idps)) await idp.close();
});

/** Runs a browser from the app to the IdP's auto-submitting ACS form; returns it unsubmitted. */
async function upToAcs(b: Browser, provider: string, user = 'alice', extra: Record<string, string> = {}) {
  const req = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: provider, ...extra });
  const first = await b.follow(req.url);
  expect(new URL(first.url).origin).toBe(idps[provider].url);
  const [login] = parseForms(await first.response.text(), first.url);
  const answered = await b.submit(login, { username: user, password: `${user}-password` }, first.url);
  const [acs] = parseForms(await answered.response.text(), answered.url);
  expect(acs.action).toBe(`${h.issuer}/federation/saml/${provider}/acs`);
  return { req, acs, pageUrl: answered.url };
}

/** Submits the ACS form and follows to the app; returns the app's callback URL. */
async function finish(b: Browser, acs: ReturnType<typeof parseForms>[number], pageUrl: string): Promise<URL> {
  const done = await b.submit(acs, {}, pageUrl, { stopAt: [APP_REDIRECT] });
  if (!done.stoppedAt) throw new Error(`no redirect to the app: ${done.response.status} ${await done.response.text()}`);
  return new URL(done.stoppedAt);
}

describe('SP-initiated SAML login through Tessera (issue 9 item 1; SAML Profiles §4.1)', () => {
  it('B11: the IdP on another site POSTs to the ACS, the answer is parked and continued same-site, and the app gets tokens', async () => {
    const b = new Browser();
    const { req, acs, pageUrl } = await upToAcs(b, 'demo-saml');
    expect(acs.fields.RelayState).toBeTruthy();
    const callback = await finish(b, acs, pageUrl);
    expect(callback.searchParams.get('error_description')).toBeNull();
    const tokens = await oidc.authorizationCodeGrant(h.app, callback, { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
    const claims = tokens.claims()!;
    expect(claims.email).toBe("alice@demo.tessera.test");
    expect(claims.iss).toBe(h.issuer);
    expect(tokens.access_token).toBeTruthy();
  }, 60_000);

  it('B01/replay: the same ACS POST again is refused, and the assertion cannot open a second login', async () => {
    const b = new Browser();
    const { acs, pageUrl } = await upToAcs(b, 'demo-saml', 'bob');
    await finish(b, acs, pageUrl);
    const again = await new Browser().submit(acs, {}, pageUrl, { stopAt: [APP_REDIRECT] });
    expect(again.stoppedAt).toBeUndefined();
    expect(again.response.status).toBe(400);
    expect(await again.response.text()).toContain('login.transaction_replayed');

    // The same signed Response under a fresh login's RelayState: it answers another AuthnRequest.
    const b2 = new Browser();
    const second = await upToAcs(b2, 'demo-saml', 'bob');
    const replayed = await b2.submit({ ...second.acs, fields: { ...second.acs.fields, SAMLResponse: acs.fields.SAMLResponse } }, {}, second.pageUrl, { stopAt: [APP_REDIRECT] });
    const callback = new URL(replayed.stoppedAt!);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('error_description')).toBe('saml.in_response_to_mismatch');
  }, 60_000);

  it('B02: a Response from one provider posted to another provider’s ACS is refused (keys and request IDs are per provider)', async () => {
    const b = new Browser();
    const { acs, pageUrl } = await upToAcs(b, 'demo-saml', 'carol');
    const wrong = await b.submit({ ...acs, action: `${h.issuer}/federation/saml/saml-roll/acs` }, {}, pageUrl, { stopAt: [APP_REDIRECT] });
    expect(wrong.stoppedAt).toBeUndefined();
    expect(wrong.response.status).toBe(400);
    expect(await wrong.response.text()).toContain('login.transaction_unknown');
  }, 60_000);
});

describe('samlify variations (issue 9 Tests)', () => {
  it.each([
    ['an encrypted assertion, decrypted with decryptionKeys', 'saml-enc'],
    ['B05: a signed Response around an unsigned assertion, with requireSignedResponse and not requireSignedAssertion', 'saml-resp'],
    ['B04: an IdP signing with the second of two pinned certificates (rollover)', 'saml-roll'],
  ])('%s is accepted', async (_what, provider) => {
    const b = new Browser();
    const { req, acs, pageUrl } = await upToAcs(b, provider);
    const callback = await finish(b, acs, pageUrl);
    expect(callback.searchParams.get('error')).toBeNull();
    const tokens = await oidc.authorizationCodeGrant(h.app, callback, { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
    expect(tokens.claims()!.email).toBe('alice@demo.tessera.test');
  }, 60_000);

  it.each([
    ['B05: an unsigned assertion where the policy requires it signed (the default)', 'saml-strict', 'saml.signature_missing'],
    ['B04: a signature by a key that is not pinned (KeyInfo is never trusted)', 'saml-untrusted', 'saml.signature_invalid'],
  ])('%s is refused, and the app hears access_denied', async (_what, provider, code) => {
    const b = new Browser();
    const { acs, pageUrl } = await upToAcs(b, provider);
    const callback = await finish(b, acs, pageUrl);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('error_description')).toBe(code);
  }, 60_000);

  it('the SP metadata names the entityID and the ACS of the provider', async () => {
    const res = await fetch(`${h.issuer}/federation/saml/demo-saml/metadata`);
    expect(res.status).toBe(200);
    const xml = await res.text();
    expect(xml).toContain(`entityID="${h.issuer}/federation/saml/demo-saml/metadata"`);
    expect(xml).toContain(`Location="${h.issuer}/federation/saml/demo-saml/acs"`);
  });
});

describe('B43: the app’s acr_values become the AuthnRequest’s RequestedAuthnContext (issue 10 item 6)', () => {
  /** The RequestedAuthnContext of the last AuthnRequest `provider`'s IdP received: Comparison and class refs. */
  function requestedAuthnContext(provider: string): { comparison: string | null; classRefs: string[] } | undefined {
    const xml = idps[provider].authnRequests.at(-1)!;
    const doc = new DOMParser().parseFromString(xml, 'text/xml');
    const rac = doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:protocol', 'RequestedAuthnContext')[0];
    if (!rac) return undefined;
    const refs = rac.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'AuthnContextClassRef');
    return { comparison: rac.getAttribute('Comparison'), classRefs: Array.from({ length: refs.length }, (_, i) => refs[i].textContent ?? '') };
  }

  it('B43: acr_values=aal2 → the IdP receives RequestedAuthnContext Comparison="exact" with the mapped class ref; its PasswordProtectedTransport answer (aal1) is refused with mapping.assurance_insufficient', async () => {
    const b = new Browser();
    const { acs, pageUrl } = await upToAcs(b, 'saml-acr', 'alice', { acr_values: 'aal2' });
    expect(requestedAuthnContext('saml-acr')).toEqual({ comparison: 'exact', classRefs: [REFEDS_MFA] });
    const callback = await finish(b, acs, pageUrl);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('error_description')).toBe('mapping.assurance_insufficient');
  }, 60_000);

  it('B43: without acr_values the AuthnRequest carries no RequestedAuthnContext (no class is imposed on the IdP)', async () => {
    const b = new Browser();
    const { acs, pageUrl } = await upToAcs(b, 'saml-acr');
    expect(requestedAuthnContext('saml-acr')).toBeUndefined();
    expect((await finish(b, acs, pageUrl)).searchParams.get('error')).toBeNull();
  }, 60_000);

  it('B43: authnContextComparison: minimum is sent as written; an MFA answer (REFEDS MFA → aal2) meets acr_values=aal2 and the ID token says acr aal2', async () => {
    const b = new Browser();
    const { req, acs, pageUrl } = await upToAcs(b, 'saml-mfa', 'alice', { acr_values: 'aal2' });
    expect(requestedAuthnContext('saml-mfa')).toEqual({ comparison: 'minimum', classRefs: [REFEDS_MFA] });
    const callback = await finish(b, acs, pageUrl);
    expect(callback.searchParams.get('error')).toBeNull();
    const tokens = await oidc.authorizationCodeGrant(h.app, callback, { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
    expect(tokens.claims()!.acr).toBe('aal2');
  }, 60_000);
});

describe('IdP-initiated SSO (issue 9 item 2)', () => {
  /** Signs `user` in at the IdP's own start page; returns the unsolicited ACS form. */
  async function unsolicitedForm(b: Browser, provider: string, user = 'alice') {
    const start = await b.follow(`${idps[provider].url}/idp-initiated`);
    const [login] = parseForms(await start.response.text(), start.url);
    const answered = await b.submit(login, { username: user, password: `${user}-password` }, start.url);
    const [acs] = parseForms(await answered.response.text(), answered.url);
    expect(acs.fields.RelayState).toBeUndefined();
    return { acs, pageUrl: answered.url };
  }

  it('with idpInitiated: a broker session starts and the browser goes to the client’s initiate-login URI, never with a code; the app then signs in without the IdP', async () => {
    idps['saml-idpinit'].setServiceProvider({ entityId: `${h.issuer}/federation/saml/saml-idpinit/metadata`, acsUrl: `${h.issuer}/federation/saml/saml-idpinit/acs` });
    const b = new Browser();
    const { acs, pageUrl } = await unsolicitedForm(b, 'saml-idpinit');
    const landed = await b.submit(acs, {}, pageUrl, { stopAt: [LANDING_INITIATE] });
    const initiate = new URL(landed.stoppedAt!);
    expect(initiate.searchParams.get('iss')).toBe(h.issuer);
    expect(initiate.searchParams.get('code')).toBeNull();
    expect(landed.visited.some((u) => u.includes('code='))).toBe(false);
    // The app starts an ordinary authorization request; the broker session answers it.
    const req = await appAuthorizationRequest(h.clients.landing, LANDING_REDIRECT);
    const done = await b.follow(req.url, { stopAt: [LANDING_REDIRECT, idps['saml-idpinit'].url] });
    expect(done.stoppedAt!.startsWith(LANDING_REDIRECT)).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(h.clients.landing, new URL(done.stoppedAt!), { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
    expect(tokens.claims()!.email).toBe('alice@demo.tessera.test');
  }, 60_000);

  it('without idpInitiated: the unsolicited Response is refused (saml.unsolicited_refused) and no session starts', async () => {
    const b = new Browser();
    const { acs, pageUrl } = await unsolicitedForm(b, 'demo-saml', 'bob');
    const refused = await b.submit(acs, {}, pageUrl, { stopAt: [LANDING_INITIATE] });
    expect(refused.stoppedAt).toBeUndefined();
    expect(refused.response.status).toBe(400);
    expect(await refused.response.text()).toContain('saml.unsolicited_refused');
    expect(refused.response.headers.get('set-cookie') ?? '').not.toMatch(/session/i);
  }, 60_000);
});
