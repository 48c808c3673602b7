/**
 * The demo's SAML provider (issue 9 item 9): `npm run demo` starts the samlify IdP of
 * demo/saml-demo.ts beside Tessera; the repository's providers/demo-saml.yaml points at it.
 * The chooser lists it, and `idp_hint=demo-saml` signs a demo user in down to the demo app's tokens.
 */
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as oidc from 'openid-client';
import { startDemo, type RunningDemo } from '../../demo/run';
import { startSamlDemo } from '../../demo/saml-demo';
import type { RunningSamlIdp } from '../../demo/saml-idp';
import { appAuthorizationRequest } from '../support/app-login';
import { Browser, parseForms } from '../support/browser';
import { freePort } from '../support/ports';

const REPO = resolve(__dirname, '../..');
let demo: RunningDemo;
let samlIdp: RunningSamlIdp;
let issuer: string;
let configDir: string;

beforeAll(async () => {
  const [port, upstreamPort, samlPort] = [await freePort(), await freePort(), await freePort()];
  issuer = `http://localhost:${port}`;
  configDir = mkdtempSync(join(tmpdir(), 'tessera-saml-demo-'));
  const dirs = { providers: join(configDir, 'providers'), clients: join(configDir, 'clients') };
  for (const [name, target] of Object.entries(dirs)) {
    mkdirSync(target);
    for (const file of readdirSync(join(REPO, name)).filter((f) => f.endsWith('.yaml'))) {
      const text = readFileSync(join(REPO, name, file), 'utf8')
        .replaceAll('localhost:3001', `localhost:${upstreamPort}`)
        .replaceAll('127.0.0.1:3002', `127.0.0.1:${samlPort}`)
        .replaceAll('localhost:3000', `localhost:${port}`);
      writeFileSync(join(target, file), text);
    }
  }
  const env = {
    TESSERA_ISSUER: issuer,
    PORT: String(port),
    DEMO_UPSTREAM_PORT: String(upstreamPort),
    DEMO_SAML_PORT: String(samlPort),
    TESSERA_DATA_DIR: 'memory://',
    TESSERA_PROVIDERS_DIR: dirs.providers,
    TESSERA_CLIENTS_DIR: dirs.clients,
    LOG_LEVEL: 'silent',
  };
  samlIdp = await startSamlDemo(env);
  demo = await startDemo(env);
}, 60_000);

afterAll(async () => {
  await demo?.close();
  await samlIdp?.close();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

async function demoApp(): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(issuer), 'demo-app', undefined, oidc.ClientSecretBasic('demo-app-secret'), { execute: [oidc.allowInsecureRequests] });
}

it('issue 9 item 9: the chooser lists the demo SAML IdP', async () => {
  const req = await appAuthorizationRequest(await demoApp(), `${issuer}/demo/callback`);
  const page = await new Browser().follow(req.url);
  const html = await page.response.text();
  expect(html).toContain('Demo SAML IdP');
  expect(html).toContain('provider=demo-saml');
});

it.each(['alice', 'bob', 'carol'])('issue 9 item 9: idp_hint=demo-saml signs %s in with <name>-password, down to the demo app’s tokens', async (user) => {
  const app = await demoApp();
  const redirect = `${issuer}/demo/callback`;
  const req = await appAuthorizationRequest(app, redirect, { idp_hint: 'demo-saml' });
  const b = new Browser();
  const first = await b.follow(req.url);
  expect(new URL(first.url).origin).toBe(samlIdp.url);
  const [login] = parseForms(await first.response.text(), first.url);
  const answered = await b.submit(login, { username: user, password: `${user}-password` }, first.url);
  const [acs] = parseForms(await answered.response.text(), answered.url);
  const done = await b.submit(acs, {}, answered.url, { stopAt: [redirect] });
  const callback = new URL(done.stoppedAt!);
  const tokens = await oidc.authorizationCodeGrant(app, callback, { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
  expect(tokens.claims()!.email).toBe(`${user}@demo.tessera.test`);
}, 60_000);
