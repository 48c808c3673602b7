/**
 * Profile sync end to end (issue 10 item 12: "a claim the IdP stopped sending does not erase what
 * is stored unless the provider says so"), through the real flow: openid-client app → Tessera →
 * oidc-provider upstream → Tessera → app, on PGlite and PostgreSQL. Two upstream OPs with the same
 * kind of user: `keeps` (no `syncClearsMissing`: the default) and `clears`
 * (`syncClearsMissing: [email, name]`). Between two logins the upstream user loses its email and
 * name claims; the app's ID token and the stored identity show what Tessera kept.
 */
import * as oidc from 'openid-client';
import type { DemoUser } from '../../demo/upstream-idp';
import { appAuthorizationRequest, type Credentials } from '../support/app-login';
import { Browser, parseForms } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(120_000);

const TOKEN = 'e2e-admin-token-profile-sync-0123456789ab';
const backends: Array<'pglite' | 'auto'> = process.env.DATABASE_URL ? ['pglite', 'auto'] : ['pglite'];
const DORA: Credentials = { username: 'dora', password: 'dora-password' };
/** A mutable upstream account: the test removes claims from it between logins. */
const dora = (sub: string): DemoUser => ({ sub, username: 'dora', password: 'dora-password', email: 'dora@demo.tessera.test', emailVerified: true, name: 'Dora Diaz', givenName: 'Dora', familyName: 'Diaz' });
/** The upstream IdP stops sending email (with its email_verified) and name. */
const dropClaims = (u: DemoUser) => {
  const loose = u as Partial<DemoUser>;
  delete loose.email;
  delete loose.emailVerified;
  delete loose.name;
};

describe.each(backends)('profile sync: a missing claim keeps the stored value unless the provider clears it (database: %s)', (database) => {
  let h: Harness;
  const atKeeps = dora('k-dora');
  const atClears = dora('c-dora');
  beforeAll(async () => {
    h = await startHarness({
      database,
      env: { TESSERA_ADMIN_TOKEN: TOKEN },
      extraUpstreamIdps: [
        { id: 'keeps', users: [atKeeps], providerYaml: 'linking: { policy: none }\n' },
        { id: 'clears', users: [atClears], providerYaml: 'linking: { policy: none }\nsyncClearsMissing: [email, name]\n' },
      ],
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** A fresh browser logs dora in at provider `idp`; returns the ID token's claims. */
  async function login(idp: string): Promise<oidc.IDToken> {
    const req = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: idp });
    const browser = new Browser();
    let step = await browser.follow(req.url, { stopAt: [APP_REDIRECT] });
    if (!step.stoppedAt) {
      const [form] = parseForms(await step.response.text(), step.url);
      step = await browser.submit(form, { username: DORA.username, password: DORA.password }, step.url, { stopAt: [APP_REDIRECT] });
    }
    const stop = new URL(step.stoppedAt!);
    expect(stop.searchParams.get('error')).toBeNull();
    const tokens = await oidc.authorizationCodeGrant(h.app, stop, { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
    return tokens.claims()!;
  }
  const storedIdentity = async (provider: string, subject: string) =>
    (await h.dataSource.query(`SELECT email, email_verified, claims FROM federated_identities WHERE provider_id = $1 AND subject = $2`, [provider, subject]))[0];

  it('issue 10 #12: default — the IdP stops sending email and name → the ID token and the stored identity keep them (email with its verified flag, as a pair), no drift', async () => {
    const first = await login('keeps');
    expect(first).toMatchObject({ email: 'dora@demo.tessera.test', email_verified: true, name: 'Dora Diaz' });
    dropClaims(atKeeps);
    const second = await login('keeps');
    expect(second.sub).toBe(first.sub);
    expect(second).toMatchObject({ email: 'dora@demo.tessera.test', email_verified: true, name: 'Dora Diaz', given_name: 'Dora' });
    const row = await storedIdentity('keeps', 'k-dora');
    expect(row).toMatchObject({ email: 'dora@demo.tessera.test', email_verified: true, claims: expect.objectContaining({ email: 'dora@demo.tessera.test', emailVerified: true, name: 'Dora Diaz' }) });
    const pending = await h.dataSource.query(`SELECT count(*)::int AS n FROM pending_links WHERE provider_id = 'keeps'`);
    expect(pending[0].n).toBe(0);
  });

  it('issue 10 #12: syncClearsMissing: [email, name] — the same loss clears email, its verified flag and name; given_name (not listed) is kept', async () => {
    const first = await login('clears');
    expect(first).toMatchObject({ email: 'dora@demo.tessera.test', email_verified: true, name: 'Dora Diaz' });
    dropClaims(atClears);
    const second = await login('clears');
    expect(second.sub).toBe(first.sub);
    expect(second.email).toBeUndefined();
    expect(second.email_verified).toBeUndefined();
    expect(second.name).toBeUndefined();
    expect(second.given_name).toBe('Dora');
    const row = await storedIdentity('clears', 'c-dora');
    expect(row).toMatchObject({ email: null, email_verified: null });
    expect(row.claims.email).toBeUndefined();
    expect(row.claims.name).toBeUndefined();
  });
});
