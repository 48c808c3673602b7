/**
 * The README's account-linking story (section "Identity mapping and account linking", issue 10
 * "Demo") played against the demo itself: startDemo and the demo partner IdPs
 * (demo/demo-partners.ts) in-process on free ports, with the repository's providers/ and clients/
 * files (ports rewritten), client demo-app, the published admin token demo-admin-token.
 */
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as oidc from 'openid-client';
import { startDemoPartners, type RunningDemoPartners } from '../../demo/demo-partners';
import { DEMO_ADMIN_TOKEN, startDemo, type RunningDemo } from '../../demo/run';
import { appAuthorizationRequest, type Credentials } from '../support/app-login';
import { Browser, parseForms } from '../support/browser';
import { freePort } from '../support/ports';

jest.setTimeout(120_000);
const REPO = resolve(__dirname, '../..');
let demo: RunningDemo;
let partners: RunningDemoPartners;
let issuer: string;
let configDir: string;
let app: oidc.Configuration;
let redirect: string;
const json = (res: Response): Promise<any> => res.json();

beforeAll(async () => {
  const [port, upstream, partner, social, contractor] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  issuer = `http://localhost:${port}`;
  const ports: Record<string, number> = { 3000: port, 3001: upstream, 3003: partner, 3004: social, 3005: contractor };
  configDir = mkdtempSync(join(tmpdir(), 'tessera-demo-identity-'));
  for (const dir of ['providers', 'clients']) {
    mkdirSync(join(configDir, dir));
    for (const file of readdirSync(join(REPO, dir)).filter((f) => f.endsWith('.yaml'))) {
      const text = readFileSync(join(REPO, dir, file), 'utf8').replace(/localhost:(300[0-5])\b/g, (all, p: string) => (ports[p] ? `localhost:${ports[p]}` : all));
      writeFileSync(join(configDir, dir, file), text);
    }
  }
  const env: NodeJS.ProcessEnv = {
    TESSERA_ISSUER: issuer,
    PORT: String(port),
    DEMO_UPSTREAM_PORT: String(upstream),
    DEMO_PARTNER_PORT: String(partner),
    DEMO_SOCIAL_PORT: String(social),
    DEMO_CONTRACTOR_PORT: String(contractor),
    TESSERA_DATA_DIR: 'memory://',
    TESSERA_PROVIDERS_DIR: join(configDir, 'providers'),
    TESSERA_CLIENTS_DIR: join(configDir, 'clients'),
    LOG_LEVEL: 'error',
  };
  partners = await startDemoPartners(env);
  demo = await startDemo(env);
  redirect = `${issuer}/demo/callback`;
  app = await oidc.discovery(new URL(issuer), 'demo-app', undefined, oidc.ClientSecretBasic('demo-app-secret'), { execute: [oidc.allowInsecureRequests] });
}, 60_000);

afterAll(async () => {
  await demo?.close();
  await partners?.close();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${issuer}${path}`, { ...init, headers: { authorization: `Bearer ${DEMO_ADMIN_TOKEN}`, 'content-type': 'application/json' } });

/** A fresh browser signs `user` in at demo provider `idp` for demo-app: the ID token's claims, the OAuth error, or the page Tessera ended on. */
async function login(idp: string, user: Credentials): Promise<{ claims?: oidc.IDToken; error?: string; code?: string; page?: string }> {
  const req = await appAuthorizationRequest(app, redirect, { idp_hint: idp });
  const browser = new Browser();
  let step = await browser.follow(req.url, { stopAt: [redirect] });
  if (!step.stoppedAt) {
    const [form] = parseForms(await step.response.text(), step.url);
    step = await browser.submit(form, { username: user.username, password: user.password }, step.url, { stopAt: [redirect] });
  }
  if (!step.stoppedAt) return { page: await step.response.text() };
  const stop = new URL(step.stoppedAt);
  if (stop.searchParams.get('error')) return { error: stop.searchParams.get('error')!, code: stop.searchParams.get('error_description')! };
  const tokens = await oidc.authorizationCodeGrant(app, stop, { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
  return { claims: tokens.claims()! };
}

it('issue 10 Demo: the chooser lists demo-partner, demo-social and demo-contractor beside demo-idp', async () => {
  const req = await appAuthorizationRequest(app, redirect);
  const step = await new Browser().follow(req.url, { stopAt: [redirect] });
  const html = await step.response.text();
  for (const name of ['Demo IdP', 'Demo Partner', 'Demo Social', 'Demo Contractor']) expect(html).toContain(name);
});

it('issue 10 Demo story: alice at demo-idp, then at demo-partner → the same account (verified email, authoritative)', async () => {
  const first = await login('demo-idp', { username: 'alice', password: 'alice-password' });
  const second = await login('demo-partner', { username: 'alice', password: 'alice-password' });
  expect(first.claims?.sub).toEqual(expect.any(String));
  expect(second.claims?.sub).toBe(first.claims!.sub);
  const p = await json(await admin(`/admin/v1/principals/${first.claims!.sub}`));
  expect(p.identities.map((i: any) => [i.providerId, i.linkedBy])).toEqual([
    ['demo-idp', 'created'],
    ['demo-partner', 'verified-email'],
  ]);
});

it('issue 10 Demo story, B15: mallory at demo-social claiming alice@demo.tessera.test never reaches alice’s account', async () => {
  const alice = await login('demo-idp', { username: 'alice', password: 'alice-password' });
  const mallory = await login('demo-social', { username: 'mallory', password: 'mallory-password' });
  expect(mallory.claims).toBeUndefined();
  expect(mallory).toMatchObject({ error: 'access_denied', code: 'linking.email_conflict' });
  const p = await json(await admin(`/admin/v1/principals/${alice.claims!.sub}`));
  expect(p.identities.map((i: any) => i.providerId)).not.toContain('demo-social');
});

it('issue 10 Demo story: carol at demo-contractor waits; demo-admin-token approves through the admin API; the next login succeeds', async () => {
  const carol = await login('demo-idp', { username: 'carol', password: 'carol-password' });
  const waiting = await login('demo-contractor', { username: 'carol', password: 'carol-password' });
  expect(waiting.page).toContain('Awaiting approval');
  const list = await json(await admin('/admin/v1/pending-links'));
  const link = list.pendingLinks.find((l: any) => l.providerId === 'demo-contractor' && l.subject === 'contractor-carol');
  expect(link).toMatchObject({ waitingFor: 'admin', state: 'pending' });
  const approve = await admin(`/admin/v1/pending-links/${link.id}/approve`, { method: 'POST', body: JSON.stringify({ principalId: carol.claims!.sub }) });
  expect(approve.status).toBe(200);
  const after = await login('demo-contractor', { username: 'carol', password: 'carol-password' });
  expect(after.claims?.sub).toBe(carol.claims!.sub);
});
