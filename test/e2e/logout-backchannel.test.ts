/**
 * OpenID Connect Back-Channel Logout 1.0 from the durable outbox (issue "Broker sessions" item 7
 * and its Bad input rules; DESIGN.md §6 "Logout"; shared/bugs B38), on PGlite and PostgreSQL: a
 * local HTTP server (node:http on 127.0.0.1) plays the apps' back-channel endpoints; every logout
 * token is verified with jose against Tessera's JWKS.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { SessionService } from '../../src/sessions/sessions.module';
import { appAuthorizationRequest, signIn, type Credentials } from '../support/app-login';
import { Browser } from '../support/browser';
import { startHarness, type Harness } from '../support/harness';

jest.setTimeout(120_000);

const ALICE: Credentials = { username: 'alice', password: 'alice-password' };
const backends: Array<'pglite' | 'auto'> = process.env.DATABASE_URL ? ['pglite', 'auto'] : ['pglite'];
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const callbackOf = (id: string) => `http://127.0.0.1:9/${id}/callback`;

/** One POST the apps' endpoint received. */
interface Received {
  client: string;
  contentType: string | undefined;
  logoutToken: string;
  status: number;
}

/** The apps' back-channel endpoints: `/ok/<client>` answers 200, `/flaky/<client>` 500 then 200, `/hang/<client>` never. */
class BackchannelApps {
  readonly received: Received[] = [];
  private readonly hanging = new Set<IncomingMessage>();
  private readonly failedOnce = new Set<string>();
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const [, behaviour, client] = (req.url ?? '').split('/');
        if (behaviour === 'hang') {
          this.hanging.add(req);
          this.received.push({ client, contentType: req.headers['content-type'], logoutToken: new URLSearchParams(body).get('logout_token') ?? '', status: 0 });
          return;
        }
        const status = behaviour === 'flaky' && !this.failedOnce.has(client) ? 500 : 200;
        if (status === 500) this.failedOnce.add(client);
        this.received.push({ client, contentType: req.headers['content-type'], logoutToken: new URLSearchParams(body).get('logout_token') ?? '', status });
        res.writeHead(status, { 'cache-control': 'no-store' }).end();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once `predicate` holds for what was received (polling), or fails after `ms`. */
  async waitFor(predicate: (r: Received[]) => boolean, ms = 15_000): Promise<void> {
    const until = Date.now() + ms;
    while (!predicate(this.received)) {
      if (Date.now() > until) throw new Error(`not received in time: ${JSON.stringify(this.received.map((r) => [r.client, r.status]))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

describe.each(backends)('back-channel logout (database: %s)', (database) => {
  const apps = new BackchannelApps();
  let h: Harness;
  beforeAll(async () => {
    await apps.start();
    const client = (id: string, behaviour: string, extra: object = {}) => ({ id, redirectUris: [callbackOf(id)], backchannelLogoutUri: `${apps.url}/${behaviour}/${id}`, ...extra });
    h = await startHarness({
      database,
      env: { TESSERA_BACKCHANNEL_RETRY_SECONDS: '1' },
      extraClients: [
        client('rp1', 'ok', { postLogoutRedirectUris: ['http://127.0.0.1:9/rp1/bye'] }),
        client('rp2', 'ok', { idTokenSignedResponseAlg: 'ES256', backchannelLogoutSessionRequired: false }),
        client('flaky', 'flaky'),
        client('stuck', 'hang'),
        { id: 'quiet', redirectUris: [callbackOf('quiet')] },
      ],
    });
  });
  afterAll(async () => {
    await h?.close(); // the worker stops first: a hanging delivery must not keep the app open
    await apps.close();
  });

  /** Signs in to `id` in `browser` (SSO after the first); returns the code's callback and the request. */
  async function authorize(browser: Browser, id: string) {
    const req = await appAuthorizationRequest(h.clients[id], callbackOf(id));
    const { stop } = await signIn(browser, req.url, ALICE, [callbackOf(id)]);
    return { req, stop };
  }
  async function tokensFor(browser: Browser, id: string) {
    const { req, stop } = await authorize(browser, id);
    return oidc.authorizationCodeGrant(h.clients[id], stop, { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
  }
  const jwks = () => jose.createRemoteJWKSet(new URL(`${h.issuer}/oauth2/jwks`));
  const forSession = (sid: string) => (r: Received) => jose.decodeJwt(r.logoutToken).sid === sid;
  const audit = async (type: string, sid: string) =>
    (await h.dataSource.query(`SELECT client_id, outcome, details FROM audit_events WHERE type = $1 AND details->>'sid' = $2 ORDER BY id`, [type, sid])) as Array<{ client_id: string; outcome: string; details: Record<string, unknown> }>;

  it('Back-Channel Logout 1.0 §2.4–§2.5: RP-initiated logout sends every client of the session a logout token, verified against the JWKS; an app that only got a code is notified too (B38)', async () => {
    const browser = new Browser();
    const first = await tokensFor(browser, 'rp1');
    await authorize(browser, 'rp2'); // SSO: rp2 gets a code and never redeems it
    await authorize(browser, 'quiet'); // no back-channel URI: named in the audit trail, not notified
    const sid = first.claims()!.sid as string;
    const started = Date.now();
    const out = await browser.follow(`${h.issuer}/oauth2/logout?${new URLSearchParams({ id_token_hint: first.id_token!, post_logout_redirect_uri: 'http://127.0.0.1:9/rp1/bye', state: 's' })}`, { stopAt: ['http://127.0.0.1:9/rp1/bye'] });
    expect(out.stoppedAt).toBe('http://127.0.0.1:9/rp1/bye?state=s');
    expect(Date.now() - started).toBeLessThan(3000);
    await apps.waitFor((r) => r.filter(forSession(sid)).length >= 2);
    const got = apps.received.filter(forSession(sid));
    expect(got.map((r) => r.client).sort()).toEqual(['rp1', 'rp2']);
    for (const r of got) {
      expect(r.contentType).toBe('application/x-www-form-urlencoded');
      const { payload, protectedHeader } = await jose.jwtVerify(r.logoutToken, jwks(), { issuer: h.issuer, audience: r.client, typ: 'logout+jwt', maxTokenAge: 120 });
      expect(protectedHeader.alg).toBe(r.client === 'rp2' ? 'ES256' : 'RS256');
      expect(payload).toMatchObject({ iss: h.issuer, aud: r.client, sub: first.claims()!.sub, sid, events: { [EVENT]: {} } });
      expect(payload).not.toHaveProperty('nonce');
      expect(payload.jti).toEqual(expect.any(String));
      expect(payload.exp! - payload.iat!).toBe(120);
    }
    const queued = await audit('logout.backchannel_queued', sid);
    expect(queued[0].details).toMatchObject({ queued: ['rp1', 'rp2'], withoutBackchannelUri: ['quiet'] });
    const delivered = await audit('logout.backchannel_delivered', sid);
    expect(delivered.map((e) => [e.client_id, e.details.attempt]).sort()).toEqual([['rp1', 1], ['rp2', 1]]);
    const rows = await h.dataSource.query(`SELECT client_id, state, done_at FROM logout_outbox WHERE session_id = $1 ORDER BY client_id`, [sid]);
    expect(rows.map((x: { client_id: string; state: string }) => [x.client_id, x.state])).toEqual([['rp1', 'delivered'], ['rp2', 'delivered']]);
    // The audit trail never holds a logout token.
    const all = JSON.stringify(await h.dataSource.query(`SELECT details FROM audit_events WHERE type LIKE 'logout.%'`));
    for (const r of got) expect(all).not.toContain(r.logoutToken);
  });

  it('shared/bugs B38: a client that got only a code long ago, whose tokens would all have expired, is still notified when an admin ends the session', async () => {
    const browser = new Browser();
    const t = await tokensFor(browser, 'rp1');
    await authorize(browser, 'rp2');
    const sid = t.claims()!.sid as string;
    await h.dataSource.query(`UPDATE session_clients SET first_issued_at = first_issued_at - interval '1 day' WHERE session_id = $1`, [sid]);
    await h.tessera.app.get(SessionService).end(sid, 'admin');
    await apps.waitFor((r) => r.filter(forSession(sid)).length >= 2);
    expect(apps.received.filter(forSession(sid)).map((r) => r.client).sort()).toEqual(['rp1', 'rp2']);
  });

  it('DESIGN.md §6: a first 500 is retried after the backoff (TESSERA_BACKCHANNEL_RETRY_SECONDS) and delivered; each attempt is audited', async () => {
    const t = await tokensFor(new Browser(), 'flaky');
    const sid = t.claims()!.sid as string;
    await h.tessera.app.get(SessionService).end(sid, 'admin');
    await apps.waitFor((r) => r.filter(forSession(sid)).length >= 2);
    expect(apps.received.filter(forSession(sid)).map((r) => r.status)).toEqual([500, 200]);
    const [a, b] = apps.received.filter(forSession(sid));
    expect(jose.decodeJwt(a.logoutToken).jti).not.toBe(jose.decodeJwt(b.logoutToken).jti); // a fresh token per attempt
    const until = Date.now() + 5000;
    while ((await audit('logout.backchannel_delivered', sid)).length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect((await audit('logout.backchannel_failed', sid)).map((e) => e.details)).toEqual([expect.objectContaining({ attempt: 1, status: 500, final: false })]);
    expect((await audit('logout.backchannel_delivered', sid)).map((e) => e.details)).toEqual([expect.objectContaining({ attempt: 2, status: 200 })]);
  });

  it('Bad input: a back-channel endpoint that hangs delays nothing the user sees; the attempt times out after 5 s and is retried', async () => {
    const browser = new Browser();
    const t = await tokensFor(browser, 'stuck');
    const sid = t.claims()!.sid as string;
    const started = Date.now();
    const res = await browser.fetch(`${h.issuer}/oauth2/logout?${new URLSearchParams({ id_token_hint: t.id_token! })}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('You are signed out');
    expect(Date.now() - started).toBeLessThan(2000);
    await apps.waitFor((r) => r.some(forSession(sid)));
    const until = Date.now() + 10_000;
    let failed = await audit('logout.backchannel_failed', sid);
    while (failed.length === 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      failed = await audit('logout.backchannel_failed', sid);
    }
    expect(failed[0].details).toMatchObject({ attempt: 1, error: 'no answer within 5000 ms', final: false });
  });

  if (database === 'auto') {
    it('DESIGN.md §8: with two instances on one database each logout token is delivered once', async () => {
      const other = await h.startAnotherInstance();
      const browser = new Browser();
      const t = await tokensFor(browser, 'rp1');
      await authorize(browser, 'rp2');
      const sid = t.claims()!.sid as string;
      await other.app.get(SessionService).end(sid, 'admin');
      await apps.waitFor((r) => r.filter(forSession(sid)).length >= 2);
      // Both instances poll every 5 s: give the other a round to deliver a second time if it could.
      await new Promise((r) => setTimeout(r, 6000));
      expect(apps.received.filter(forSession(sid)).map((r) => r.client).sort()).toEqual(['rp1', 'rp2']);
    });
  }
});
