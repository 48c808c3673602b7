/**
 * Issue 11 "Demo": `npm run demo`'s startDemo with the repository's providers/, clients/ and
 * policies/ (ports rewritten). The demo IdP sends groups (alice staff, bob contractors); the seed
 * binds demo-idp:staff → admin; demo-app asks for roles and may call AuthZEN. So alice's tokens
 * carry roles ["admin"] and bob's none, and AuthZEN as demo-app answers true for alice, false for bob.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as oidc from 'openid-client';
import { startDemo, type RunningDemo } from '../../demo/run';
import { appAuthorizationRequest, signIn } from '../support/app-login';
import { Browser } from '../support/browser';
import { freePort } from '../support/ports';

jest.setTimeout(120_000);

const REPO = resolve(__dirname, '../..');

describe('the demo authorizes as issue 11 describes', () => {
  let demo: RunningDemo;
  let issuer: string;
  let dir: string;
  let app: oidc.Configuration;
  let callback: string;

  beforeAll(async () => {
    const [port, upstreamPort] = [await freePort(), await freePort()];
    issuer = `http://localhost:${port}`;
    dir = mkdtempSync(join(tmpdir(), 'tessera-demo-authz-'));
    for (const name of ['providers', 'clients']) {
      mkdirSync(join(dir, name));
      for (const file of readdirSync(join(REPO, name)).filter((f) => f.endsWith('.yaml'))) {
        writeFileSync(join(dir, name, file), readFileSync(join(REPO, name, file), 'utf8').replaceAll('localhost:3001', `localhost:${upstreamPort}`).replaceAll('localhost:3000', `localhost:${port}`));
      }
    }
    demo = await startDemo({ TESSERA_ISSUER: issuer, PORT: String(port), DEMO_UPSTREAM_PORT: String(upstreamPort), TESSERA_DATA_DIR: 'memory://', TESSERA_PROVIDERS_DIR: join(dir, 'providers'), TESSERA_CLIENTS_DIR: join(dir, 'clients'), LOG_LEVEL: 'silent' });
    app = await oidc.discovery(new URL(issuer), 'demo-app', undefined, oidc.ClientSecretBasic('demo-app-secret'), { execute: [oidc.allowInsecureRequests] });
    callback = `${issuer}/demo/callback`;
  });
  afterAll(async () => {
    await demo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const login = async (username: string) => {
    // The demo lists several IdPs; the groups and the binding are demo-idp's.
    const request = await appAuthorizationRequest(app, callback, { idp_hint: 'demo-idp' });
    const { stop } = await signIn(new Browser(), request.url, { username, password: `${username}-password` }, [callback]);
    const tokens = await oidc.authorizationCodeGrant(app, stop, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
    return tokens.claims()!;
  };
  const evaluate = async (sub: string) => {
    const res = await fetch(`${issuer}/access/v1/evaluation`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('demo-app:demo-app-secret').toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ subject: { type: 'user', id: sub }, action: { name: 'read' }, resource: { type: 'Report', id: 'quarterly' }, context: {} }),
    });
    return res.json();
  };

  it('issue 11 "Demo": alice (staff) has roles ["admin"] and may read Report::"quarterly"; bob (contractors) has none and may not', async () => {
    const alice = await login('alice');
    expect(alice.roles).toEqual(['admin']);
    expect(await evaluate(alice.sub)).toEqual({ decision: true });
    const bob = await login('bob');
    expect(bob.roles).toEqual([]);
    expect(await evaluate(bob.sub)).toEqual({ decision: false, context: { reason: 'no_permit' } });
  });
});
