/**
 * Issue 13 item 7, login cost: the audit events a request records are written in ONE statement
 * before its response leaves. Rows inserted by one statement share their inserting transaction
 * (xmin), so the events of one login step carry one xmin, and each step another; a refused step
 * still leaves its failure event; metrics derived from the events still count.
 */
import * as oidc from 'openid-client';
import { appAuthorizationRequest, signIn, type Credentials } from '../support/app-login';
import { Browser } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(120_000);

const CAROL: Credentials = { username: 'carol', password: 'carol-password' };
const backends: Array<'pglite' | 'auto'> = process.env.DATABASE_URL ? ['pglite', 'auto'] : ['pglite'];

describe.each(backends)('audit events written once per request (issue 13 item 7, database: %s)', (database) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ database });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a login writes one statement per step: authorize (started + redirect), callback (callback + linking), resume (code), visible when the response arrives', async () => {
    const request = await appAuthorizationRequest(h.app, APP_REDIRECT);
    const { stop } = await signIn(new Browser(), request.url, CAROL, [APP_REDIRECT]);
    expect(stop.searchParams.get('code')).toBeTruthy();
    const rows: Array<{ type: string; tx: string }> = await h.dataSource.query(
      `SELECT type, xmin::text AS tx FROM audit_events
        WHERE login_transaction_id = (SELECT login_transaction_id FROM audit_events WHERE type = 'authorize.code_issued' ORDER BY id DESC LIMIT 1)
        ORDER BY id`,
    );
    expect(rows.map((r) => r.type)).toEqual(['login.started', 'upstream.redirect', 'upstream.callback', 'linking.resolved', 'authorize.code_issued']);
    const tx = Object.fromEntries(rows.map((r) => [r.type, r.tx]));
    expect(tx['upstream.redirect']).toBe(tx['login.started']);
    expect(tx['linking.resolved']).toBe(tx['upstream.callback']);
    expect(tx['upstream.callback']).not.toBe(tx['login.started']);
    // The code is issued by the next request (the resume at /oauth2/authorize), its own step.
    expect(new Set(Object.values(tx)).size).toBe(3);
  });

  it('a refused request (RFC 6749 §4.1.2.1: unknown client) still leaves its failure event, written before the answer', async () => {
    const before = await h.dataSource.query(`SELECT count(*)::int AS n FROM audit_events WHERE type = 'authorize.rejected'`);
    const res = await fetch(`${h.issuer}/oauth2/authorize?client_id=nobody&response_type=code&redirect_uri=${encodeURIComponent(APP_REDIRECT)}&scope=openid`, { redirect: 'manual' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    const after = await h.dataSource.query(`SELECT count(*)::int AS n FROM audit_events WHERE type = 'authorize.rejected'`);
    expect(after[0].n).toBe(before[0].n + 1);
  });

  it('RFC 7009 §2: a revocation applied by the deny set feeds tessera_revocation_propagation_lag_seconds (token.revocation_applied with lagSeconds)', async () => {
    const request = await appAuthorizationRequest(h.app, APP_REDIRECT);
    const { stop } = await signIn(new Browser(), request.url, CAROL, [APP_REDIRECT]);
    const tokens = await oidc.authorizationCodeGrant(h.app, stop, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce, idTokenExpected: true });
    const count = async () => {
      const text = await (await fetch(`${h.issuer}/metrics`)).text();
      return Number(/^tessera_revocation_propagation_lag_seconds_count(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? 0);
    };
    const before = await count();
    await oidc.tokenRevocation(h.app, tokens.access_token, { token_type_hint: 'access_token' });
    expect(await count()).toBeGreaterThan(before);
    const applied = await h.dataSource.query(`SELECT details FROM audit_events WHERE type = 'token.revocation_applied' ORDER BY id DESC LIMIT 1`);
    expect(applied[0].details).toMatchObject({ count: expect.any(Number), lagSeconds: expect.any(Number) });
    expect(applied[0].details.lagSeconds).toBeGreaterThanOrEqual(0);
  });
});
