/**
 * Two Tessera instances on one PostgreSQL database behind a load balancer without sticky
 * sessions (issue 9 Tests; bugs-log B01): a SAML login started on instance A completes when the
 * IdP's POST lands on instance B (the AuthnRequest ID is in the shared RequestIdStore, not in a
 * process), and an assertion used on one instance is refused as a replay on the other (the
 * shared ReplayCache, table one_time_keys).
 */
import type { RunningTessera } from '../../src/bootstrap';
import { ConnectorRegistry, isIdpInitiatedCapable } from '../../src/connectors/connectors.module';
import { stringify } from 'yaml';
import * as oidc from 'openid-client';
import { SAML_DEMO_IDP } from '../../demo/saml-keys';
import { startSamlIdp, type RunningSamlIdp } from '../../demo/saml-idp';
import { appAuthorizationRequest } from '../support/app-login';
import { Browser, parseForms } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(60_000);

let h: Harness;
let b: RunningTessera;
let idp: RunningSamlIdp;

beforeAll(async () => {
  idp = await startSamlIdp();
  const provider = (idpInitiated: boolean) =>
    stringify({
      displayName: 'SAML',
      protocol: 'saml',
      saml: { entityId: idp.entityId, ssoUrl: idp.ssoUrl, signingCertificates: [SAML_DEMO_IDP.cert], allowInsecureRequests: true, ...(idpInitiated ? { idpInitiated: { client: 'app' } } : {}) },
      trust: { emailVerified: 'asserted', domains: ['demo.tessera.test'] },
    });
  // Both providers name the same IdP and the same SP entityID, so one signed Response fits both.
  h = await startHarness({ database: 'auto', extraProviderFiles: { 'demo-saml': provider(false), 'saml-unsolicited': provider(true) } });
  b = await h.startAnotherInstance();
  idp.setServiceProvider({ entityId: `${h.issuer}/federation/saml/demo-saml/metadata`, acsUrl: `${h.issuer}/federation/saml/demo-saml/acs` });
});

afterAll(async () => {
  await h?.close();
  await idp?.close();
});

it('B01: the AuthnRequest sent by instance A is answered at instance B, and the app gets tokens', async () => {
  const browser = new Browser();
  const req = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: 'demo-saml' });
  const first = await browser.follow(req.url);
  const [login] = parseForms(await first.response.text(), first.url);
  const answered = await browser.submit(login, { username: 'alice', password: 'alice-password' }, first.url);
  const [acs] = parseForms(await answered.response.text(), answered.url);
  // The load balancer sends the IdP's POST to instance B.
  // Same host name as the issuer (cookies are per host, not per port), instance B's port.
  const bUrl = b.url.replace('127.0.0.1', 'localhost');
  const atB = { ...acs, action: acs.action.replace(h.issuer, bUrl) };
  const parked = await browser.submit(atB, {}, answered.url, { stopAt: [`${h.issuer}/login/continue`] });
  if (!parked.stoppedAt) throw new Error(`${parked.response.status} ${parked.url} ${await parked.response.text()}`);
  // B validates the answer at the same-site continue step, with the browser's cookies (the scripted browser keys them by origin).
  const cont = new URL(parked.stoppedAt);
  const cookie = Object.entries(browser.cookies(h.issuer)).map(([k, v]) => `${k}=${v}`).join('; ');
  const continued = await fetch(`${bUrl}${cont.pathname}${cont.search}`, { headers: { cookie }, redirect: 'manual' });
  expect(continued.status).toBe(303);
  const done = await browser.follow(continued.headers.get('location')!, { stopAt: [APP_REDIRECT] });
  if (!done.stoppedAt) throw new Error(`${done.response.status} ${done.url}`);
  const tokens = await oidc.authorizationCodeGrant(h.app, new URL(done.stoppedAt), { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
  expect(tokens.claims()!.email).toBe('alice@demo.tessera.test');
});

it('an assertion accepted on instance A is refused as a replay on instance B, and again on A', async () => {
  idp.setServiceProvider({ entityId: `${h.issuer}/federation/saml/saml-unsolicited/metadata`, acsUrl: `${h.issuer}/federation/saml/saml-unsolicited/acs` });
  const samlResponse = await idp.responseFor('bob');
  const input = { method: 'POST' as const, search: '', body: { SAMLResponse: samlResponse } };
  const connectorOf = (t: RunningTessera) => {
    const c = t.app.get(ConnectorRegistry).forProvider('saml-unsolicited');
    if (!c || !isIdpInitiatedCapable(c)) throw new Error('no IdP-initiated SAML connector');
    return c;
  };
  const accepted = await connectorOf(h.tessera).completeUnsolicited('acs', input);
  expect(accepted).toMatchObject({ subject: 'saml-u-bob', initiatedBy: 'idp' });
  await expect(connectorOf(b).completeUnsolicited('acs', input)).rejects.toMatchObject({ code: 'saml.assertion_replayed' });
  await expect(connectorOf(h.tessera).completeUnsolicited('acs', input)).rejects.toMatchObject({ code: 'saml.assertion_replayed' });
});
