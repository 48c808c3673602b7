/**
 * B43 (step-up across the broker; issue 10 item 6) end to end: openid-client app → Tessera →
 * oidc-provider upstreams. The app's `acr_values` (Tessera's levels aal1–aal3) are translated by
 * the provider's `acrValues:` table and sent upstream as OIDC `acr_values`, and the mapped
 * assurance is checked on return: below the request → `mapping.assurance_insufficient`.
 * Providers: `stepup` (acrValues aal2 → urn:example:mfa; a password login maps to aal1),
 * `strong` (its mapping says aal2).
 */
import * as oidc from 'openid-client';
import { appAuthorizationRequest } from '../support/app-login';
import { Browser, parseForms } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(120_000);
const backends: Array<'pglite' | 'auto'> = process.env.DATABASE_URL ? ['pglite', 'auto'] : ['pglite'];

describe.each(backends)('B43 acr_values (database: %s)', (database) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      database,
      extraUpstreamIdps: [
        { id: 'stepup', providerYaml: 'linking: { policy: none }\nacrValues: { aal2: "urn:example:mfa" }\n' },
        { id: 'strong', providerYaml: `linking: { policy: none }\nmapping: { assurance: '"aal2"' }\n` },
      ],
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Logs alice in at `idp` with `extra` parameters; returns the upstream URLs visited and the app's result. */
  async function login(idp: string, extra: Record<string, string>, browser = new Browser()) {
    const req = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: idp, ...extra });
    let step = await browser.follow(req.url, { stopAt: [APP_REDIRECT] });
    const visited = [...step.visited];
    if (!step.stoppedAt) {
      const [form] = parseForms(await step.response.text(), step.url);
      step = await browser.submit(form, { username: 'alice', password: 'alice-password' }, step.url, { stopAt: [APP_REDIRECT] });
    }
    const stop = new URL(step.stoppedAt!);
    if (stop.searchParams.get('error')) return { visited, error: stop.searchParams.get('error'), code: stop.searchParams.get('error_description') };
    const tokens = await oidc.authorizationCodeGrant(h.app, stop, { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
    return { visited, acr: tokens.claims()!.acr };
  }
  const upstreamAuth = (visited: string[]) => visited.map((u) => new URL(u)).find((u) => u.pathname === '/auth');

  it('B43: acr_values=aal2 is sent upstream as the provider’s own value; a password login (aal1) is refused with mapping.assurance_insufficient', async () => {
    const r = await login('stepup', { acr_values: 'aal2' });
    expect(upstreamAuth(r.visited)?.searchParams.get('acr_values')).toBe('urn:example:mfa');
    expect(r).toMatchObject({ error: 'access_denied', code: 'mapping.assurance_insufficient' });
  });

  it('B43: acr_values the provider does not map are not sent; aal1 requested and met → the ID token says aal1', async () => {
    const r = await login('stepup', { acr_values: 'aal1' });
    expect(upstreamAuth(r.visited)?.searchParams.has('acr_values')).toBe(false);
    expect(r.acr).toBe('aal1');
  });

  it('B43: an upstream login mapped to aal2 meets acr_values "aal3 aal2" (a preference list) → acr aal2', async () => {
    const r = await login('strong', { acr_values: 'aal3 aal2' });
    expect(r.acr).toBe('aal2');
  });

  it('B43: a broker session at aal1 does not answer a later acr_values=aal2 request by single sign-on: it goes upstream and is refused', async () => {
    const browser = new Browser();
    expect((await login('stepup', {}, browser)).acr).toBe('aal1');
    const r = await login('stepup', { acr_values: 'aal2' }, browser);
    expect(upstreamAuth(r.visited)).toBeDefined();
    expect(r).toMatchObject({ error: 'access_denied', code: 'mapping.assurance_insufficient' });
  });
});
