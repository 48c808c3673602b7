/**
 * Issue 10 item 7: a failed login whose browser sees a Tessera page (SAML IdP-initiated SSO: there
 * is no app request to answer) quotes the login's trace id as the page's reference, and the admin
 * API returns that trace. The IdP is samlify (demo/saml-idp.ts) on 127.0.0.1, Tessera on localhost.
 */
import { stringify } from 'yaml';
import { SAML_DEMO_IDP } from '../../demo/saml-keys';
import { startSamlIdp, type RunningSamlIdp } from '../../demo/saml-idp';
import { Browser, parseForms } from '../support/browser';
import { startHarness, type Harness } from '../support/harness';

jest.setTimeout(90_000);
const TOKEN = 'e2e-admin-token-trace-page-0123456789abcdef';
let h: Harness;
let idp: RunningSamlIdp;

beforeAll(async () => {
  idp = await startSamlIdp({});
  h = await startHarness({
    env: { TESSERA_ADMIN_TOKEN: TOKEN },
    extraClients: [{ id: 'landing', redirectUris: ['http://127.0.0.1:9/landing/callback'], initiateLoginUri: 'http://127.0.0.1:9/landing/initiate' }],
    extraProviderFiles: {
      'saml-staff': stringify({
        displayName: 'SAML staff only',
        protocol: 'saml',
        saml: { entityId: idp.entityId, ssoUrl: idp.ssoUrl, signingCertificates: [SAML_DEMO_IDP.cert], allowInsecureRequests: true, idpInitiated: { client: 'landing' } },
        trust: { emailVerified: 'asserted', domains: ['demo.tessera.test'] },
        condition: '"no-such-group" in assertion.attributes["groups"]',
      }),
    },
  });
  idp.setServiceProvider({ entityId: `${h.issuer}/federation/saml/saml-staff/metadata`, acsUrl: `${h.issuer}/federation/saml/saml-staff/acs` });
});
afterAll(async () => {
  await h?.close();
  await idp?.close();
});

it('issue 10 item 7: a refused IdP-initiated login shows its trace id as the reference; GET /admin/v1/traces/{id} explains it without values', async () => {
  const b = new Browser();
  const start = await b.follow(`${idp.url}/idp-initiated`);
  const [login] = parseForms(await start.response.text(), start.url);
  const answered = await b.submit(login, { username: 'alice', password: 'alice-password' }, start.url);
  const [acs] = parseForms(await answered.response.text(), answered.url);
  const refused = await b.submit(acs, {}, answered.url);
  expect(refused.response.status).toBe(403);
  const html = await refused.response.text();
  expect(html).toContain('mapping.condition_failed');
  const traceId = /Reference: <code>([0-9a-f-]{36})<\/code>/.exec(html)![1];
  const res = await fetch(`${h.issuer}/admin/v1/traces/${traceId}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  const trace = await res.json();
  expect(trace).toMatchObject({ id: traceId, providerId: 'saml-staff', clientId: 'landing', outcome: 'failed', record: { error: 'mapping.condition_failed', mapping: { condition: 'failed' } } });
  expect(JSON.stringify(trace)).not.toContain('alice@demo.tessera.test');
});
