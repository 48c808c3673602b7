/**
 * Issue 13 item 6 (database outage) and item 4 (readiness), against a PostgreSQL cluster of the
 * test's own (initdb on another port) that the test stops and starts: while it is down every
 * endpoint that needs it answers 503 with Retry-After (OAuth JSON on the token endpoint, the
 * error page in the browser) within the 5 s timeout, /health/ready says not ready, /health/live
 * stays up; when it returns, requests succeed again within 5 s without a restart, and a login
 * cut off by the outage left nothing half-written.
 */
import * as oidc from 'openid-client';
import { appAuthorizationRequest, signIn } from '../support/app-login';
import { Browser, parseForms } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres';

jest.setTimeout(120_000);

const ALICE = { username: 'alice', password: 'alice-password' };
/** The outage timeout (5 s) plus scheduling slack on a shared machine. */
const WITHIN_MS = 6000;

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - t0 };
}

describe('database outage: 503 + Retry-After, readiness, recovery (issue 13 item 6; RFC 6749 §4.1.2.1 temporarily_unavailable, RFC 9110 §10.2.3)', () => {
  let pg: PrivatePostgres;
  let h: Harness;
  beforeAll(async () => {
    pg = await startPrivatePostgres();
    // database: 'pglite' keeps the harness from creating a database elsewhere; DATABASE_URL points Tessera at the private cluster.
    h = await startHarness({ database: 'pglite', env: { DATABASE_URL: pg.url } });
  });
  afterAll(async () => {
    if (pg) {
      try {
        pg.start();
      } catch {
        // already running
      }
    }
    await h?.close();
    pg?.destroy();
  });

  it('a login in flight fails cleanly with 503 when the database stops, every endpoint answers 503 in time, ready flips, and all recovers within 5 s', async () => {
    const ready = await fetch(`${h.issuer}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, migrations: { status: 'up' }, config: { status: 'up' } } });

    // A login reaches the upstream's sign-in form, then the database stops.
    const browser = new Browser();
    const request = await appAuthorizationRequest(h.app, APP_REDIRECT);
    const atIdp = await browser.follow(request.url, { stopAt: [APP_REDIRECT] });
    const [form] = parseForms(await atIdp.response.text(), atIdp.url);
    expect(form).toBeDefined();
    pg.stop();

    // The upstream sends the browser back to Tessera's callback: the error page, 503, Retry-After.
    const back = await timed(() => browser.submit(form, { username: ALICE.username, password: ALICE.password }, atIdp.url, { stopAt: [APP_REDIRECT] }));
    expect(back.ms).toBeLessThan(WITHIN_MS);
    expect(back.value.url).toContain('/federation/oidc/upstream/callback');
    expect(back.value.response.status).toBe(503);
    expect(back.value.response.headers.get('retry-after')).toBe('5');
    expect(back.value.response.headers.get('content-type')).toMatch(/text\/html/);
    const page = await back.value.response.text();
    expect(page).toContain('temporarily_unavailable');
    expect(page).not.toMatch(/\bat .+\.(ts|js):\d+/); // no stack trace

    // Authorization endpoint in the browser: the error page.
    const authorize = await timed(async () => fetch((await appAuthorizationRequest(h.app, APP_REDIRECT)).url, { redirect: 'manual' }));
    expect(authorize.ms).toBeLessThan(WITHIN_MS);
    expect(authorize.value.status).toBe(503);
    expect(authorize.value.headers.get('retry-after')).toBe('5');
    expect(authorize.value.headers.get('content-type')).toMatch(/text\/html/);

    // Token endpoint: OAuth JSON (RFC 6749 §5.2 body shape).
    const token = await timed(() =>
      fetch(`${h.issuer}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`app:${h.appSecret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x'.repeat(43), redirect_uri: APP_REDIRECT, code_verifier: 'v'.repeat(43) }),
      }),
    );
    expect(token.ms).toBeLessThan(WITHIN_MS);
    expect(token.value.status).toBe(503);
    expect(token.value.headers.get('retry-after')).toBe('5');
    expect(await token.value.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'ops.database_unavailable' });

    // Readiness says not ready (JSON, 503, Retry-After); liveness stays up; /health is ready's alias.
    for (const path of ['/health/ready', '/health']) {
      const r = await timed(() => fetch(`${h.issuer}${path}`));
      expect(r.ms).toBeLessThan(WITHIN_MS);
      expect(r.value.status).toBe(503);
      expect(r.value.headers.get('retry-after')).toBe('5');
      expect(await r.value.json()).toMatchObject({ status: 'error', error: { database: { status: 'down' } } });
    }
    expect((await fetch(`${h.issuer}/health/live`)).status).toBe(200);

    // The database returns: ready again within 5 s, without a restart.
    pg.start();
    const t0 = Date.now();
    let status = 0;
    while (Date.now() - t0 < 10_000) {
      status = (await fetch(`${h.issuer}/health/ready`)).status;
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(5000);

    // Nothing half-written: no principal, and the cut-off login never took its answer.
    expect(await h.dataSource.query(`SELECT count(*)::int AS n FROM principals`)).toEqual([{ n: 0 }]);
    expect(await h.dataSource.query(`SELECT state FROM login_transactions WHERE consumed_at IS NOT NULL`)).toEqual([]);

    // And a login now completes end to end.
    const again = await appAuthorizationRequest(h.app, APP_REDIRECT);
    const done = await signIn(new Browser(), again.url, ALICE, [APP_REDIRECT]);
    const tokens = await oidc.authorizationCodeGrant(h.app, done.stop, { pkceCodeVerifier: again.verifier, expectedState: again.state, expectedNonce: again.nonce, idTokenExpected: true });
    expect(tokens.claims()?.email).toBe('alice@demo.tessera.test');
  });

  it('a login cut off between taking the IdP answer and storing its outcome is audited as ops.login_interrupted, not login.transaction_replayed', async () => {
    const browser = new Browser();
    const request = await appAuthorizationRequest(h.app, APP_REDIRECT);
    // Stop before Tessera's callback is fetched: the answer is in hand, the login still waits for it.
    const callbackPrefix = `${h.issuer}/federation/oidc/upstream/callback`;
    const atIdp = await browser.follow(request.url, { stopAt: [callbackPrefix] });
    const step = atIdp.stoppedAt ? atIdp : await browser.submit(parseForms(await atIdp.response.text(), atIdp.url)[0], { username: ALICE.username, password: ALICE.password }, atIdp.url, { stopAt: [callbackPrefix] });
    expect(step.stoppedAt).toBeDefined();
    // The state a crash or outage leaves behind: the answer claimed a minute ago, no outcome stored.
    // (TypeORM answers an UPDATE … RETURNING as [rows, count].)
    const [[row]] = await h.dataSource.query(`UPDATE login_transactions SET state = 'identified', consumed_at = now() - interval '1 minute' WHERE id = (SELECT id FROM login_transactions WHERE state = 'upstream' ORDER BY created_at DESC LIMIT 1) RETURNING id`);
    expect(row).toBeDefined();
    const replay = await browser.fetch(step.stoppedAt!);
    expect(replay.status).toBe(400);
    // The refusal's audit event may land just after the page is sent: wait for it briefly.
    let events: Array<{ reason: string }> = [];
    for (let i = 0; i < 40 && events.length === 0; i++) {
      events = await h.dataSource.query(`SELECT reason FROM audit_events WHERE type = 'upstream.callback' AND outcome = 'failure' AND login_transaction_id = $1`, [row.id]);
      if (events.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(events).toEqual([{ reason: 'ops.login_interrupted' }]);
  });
});
