/**
 * SAML 2.0 end to end against a real IdP: SimpleSAMLphp from Debian (test/support/
 * saml-simplesamlphp.ts), on another site (127.0.0.1) than Tessera (localhost). SP-initiated
 * login down to the app's tokens (SAML Profiles §4.1), IdP-initiated login landing on an app
 * through its third-party-initiated login (issue 9 item 2), and Single Logout both ways (SAML
 * Profiles §4.4; B12, B39) with SimpleSAMLphp checking Tessera's signatures and Tessera checking
 * SimpleSAMLphp's. Fails (never skips) when SimpleSAMLphp is not installed.
 */
import * as oidc from 'openid-client';
import { stringify } from 'yaml';
import { SAML_DEMO_IDP, SAML_DEMO_SP } from '../../demo/saml-keys';
import { appAuthorizationRequest } from '../support/app-login';
import { Browser, parseForms } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';
import { freePort } from '../support/ports';
import { simpleSamlPhpUrls, startSimpleSamlPhp, type RunningSimpleSamlPhp } from '../support/saml-simplesamlphp';

const PROVIDER = 'ssp';
const LANDING_INITIATE = 'http://127.0.0.1:9/landing/initiate';
const LANDING_REDIRECT = 'http://127.0.0.1:9/landing/callback';
const AFTER_IDP_LOGOUT = 'http://127.0.0.1:9/after-idp-logout';
let h: Harness;
let ssp: RunningSimpleSamlPhp;

beforeAll(async () => {
  const port = await freePort();
  const urls = simpleSamlPhpUrls(port);
  h = await startHarness({
    extraProviderFiles: {
      [PROVIDER]: stringify({
        displayName: 'SimpleSAMLphp',
        protocol: 'saml',
        saml: {
          entityId: urls.entityId,
          ssoUrl: urls.ssoUrl,
          sloUrl: urls.sloUrl,
          signingCertificates: [SAML_DEMO_IDP.cert],
          spSigningKey: '${E2E_SAML_SP_KEY}',
          spSigningCertificate: SAML_DEMO_SP.cert,
          idpInitiated: { client: 'landing' },
          allowInsecureRequests: true,
        },
        trust: { emailVerified: 'asserted', domains: ['demo.tessera.test'] },
      }),
    },
    env: { E2E_SAML_SP_KEY: SAML_DEMO_SP.key },
    extraClients: [{ id: 'landing', redirectUris: [LANDING_REDIRECT], initiateLoginUri: LANDING_INITIATE }],
  });
  const sp = (endpoint: string) => `${h.issuer}/federation/saml/${PROVIDER}/${endpoint}`;
  ssp = await startSimpleSamlPhp({ port, signing: SAML_DEMO_IDP, sp: { entityId: sp('metadata'), acsUrl: sp('acs'), sloUrl: sp('slo'), signingCert: SAML_DEMO_SP.cert } });
}, 90_000);

afterAll(async () => {
  await h?.close();
  await ssp?.close();
});

/** Signs in at SimpleSAMLphp's login page; returns the auto-posting form to Tessera's ACS. */
async function signInAtIdp(b: Browser, startUrl: string, user: string) {
  const page = await b.follow(startUrl);
  expect(new URL(page.url).origin).toBe(ssp.url);
  const [login] = parseForms(await page.response.text(), page.url).filter((f) => 'password' in f.fields || 'username' in f.fields);
  const answered = await b.submit(login, { username: user, password: `${user}-password` }, page.url);
  const [acs] = parseForms(await answered.response.text(), answered.url);
  expect(acs.action).toBe(`${h.issuer}/federation/saml/${PROVIDER}/acs`);
  return { acs, pageUrl: answered.url };
}

/** SP-initiated login of `user` through SimpleSAMLphp down to the app's tokens. */
async function spInitiated(b: Browser, user: string) {
  const req = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: PROVIDER });
  const { acs, pageUrl } = await signInAtIdp(b, req.url.toString(), user);
  const done = await b.submit(acs, {}, pageUrl, { stopAt: [APP_REDIRECT] });
  if (!done.stoppedAt) throw new Error(`no redirect to the app: ${done.response.status} ${await done.response.text()}`);
  const callback = new URL(done.stoppedAt);
  expect(callback.searchParams.get('error_description')).toBeNull();
  return oidc.authorizationCodeGrant(h.app, callback, { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
}

async function ended(sid: string): Promise<boolean> {
  const rows = (await h.dataSource.query('SELECT ended_at FROM broker_sessions WHERE id = $1', [sid])) as Array<{ ended_at: Date | null }>;
  expect(rows).toHaveLength(1);
  return rows[0].ended_at !== null;
}

describe('SimpleSAMLphp as the upstream SAML IdP (issue 9 Tests)', () => {
  it('SAML Profiles §4.1: SP-initiated login through Tessera down to the app’s tokens (persistent NameID, attributes mapped)', async () => {
    const tokens = await spInitiated(new Browser(), 'alice');
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(h.issuer);
    expect(claims.email).toBe('alice@demo.tessera.test');
    expect(tokens.access_token).toBeTruthy();
  }, 60_000);

  it('issue 9 item 2: IdP-initiated login lands on the app’s initiate-login URI (never a code), and the app then signs in without the IdP', async () => {
    const b = new Browser();
    const { acs, pageUrl } = await signInAtIdp(b, ssp.idpInitiatedUrl, 'bob');
    const landed = await b.submit(acs, {}, pageUrl, { stopAt: [LANDING_INITIATE] });
    const initiate = new URL(landed.stoppedAt!);
    expect(initiate.searchParams.get('iss')).toBe(h.issuer);
    expect(landed.visited.some((u) => u.includes('code='))).toBe(false);
    const req = await appAuthorizationRequest(h.clients.landing, LANDING_REDIRECT);
    const done = await b.follow(req.url, { stopAt: [LANDING_REDIRECT, ssp.url] });
    expect(done.stoppedAt!.startsWith(LANDING_REDIRECT)).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(h.clients.landing, new URL(done.stoppedAt!), { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
    expect(tokens.claims()!.email).toBe('bob@demo.tessera.test');
  }, 60_000);

  it('B12: SP-initiated Single Logout — SimpleSAMLphp accepts Tessera’s signed LogoutRequest (NameID with Format and qualifiers, SessionIndex), ends its session, and its signed LogoutResponse brings the browser to the signed-out page', async () => {
    const b = new Browser();
    const tokens = await spInitiated(b, 'carol');
    const sid = tokens.claims()!.sid as string;
    const out = await b.follow(`${h.issuer}/oauth2/logout?id_token_hint=${encodeURIComponent(tokens.id_token!)}`);
    expect(out.visited.some((u) => u.startsWith(ssp.sloUrl))).toBe(true);
    expect(out.visited.some((u) => u.startsWith(`${h.issuer}/federation/saml/${PROVIDER}/slo?SAMLResponse=`))).toBe(true);
    expect(out.response.status).toBe(200);
    expect(new URL(out.url).pathname).toBe('/oauth2/logout/done');
    expect(await ended(sid)).toBe(true);
    // SimpleSAMLphp's session is gone too: a new login asks for the password again.
    const req = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: PROVIDER });
    const again = await b.follow(req.url, { stopAt: [APP_REDIRECT] });
    expect(again.stoppedAt).toBeUndefined();
    expect(parseForms(await again.response.text(), again.url).some((f) => 'password' in f.fields)).toBe(true);
  }, 60_000);

  it('B39: IdP-initiated Single Logout — SimpleSAMLphp’s signed LogoutRequest ends the matching broker session, and Tessera’s signed LogoutResponse completes SimpleSAMLphp’s logout', async () => {
    const b = new Browser();
    const tokens = await spInitiated(b, 'alice');
    const sid = tokens.claims()!.sid as string;
    const out = await b.follow(ssp.logoutUrl(AFTER_IDP_LOGOUT), { stopAt: [AFTER_IDP_LOGOUT] });
    expect(out.visited.some((u) => u.startsWith(`${h.issuer}/federation/saml/${PROVIDER}/slo?SAMLRequest=`))).toBe(true);
    expect(out.stoppedAt).toBe(AFTER_IDP_LOGOUT);
    expect(await ended(sid)).toBe(true);
  }, 60_000);
});
