/**
 * Answers that reach the wrong provider's callback. Two real upstream OPs (demo/upstream-idp.ts,
 * oidc-provider) are configured as providers A (`upstream`) and B (`partner`), each with its own
 * client `tessera` and its own callback `/federation/oidc/<id>/callback`; a third provider
 * (`relay`) is an attacker's OP that relays B's genuine tokens.
 *
 * - Cross-provider injection (RFC 9700 §4.5, RFC 6749 §10.12): a callback for B carrying A's
 *   transaction — A's whole answer, or an attacker's code from B with the victim's state for A.
 * - Mix-up (RFC 9207, RFC 9700 §4.4, OIDC Core §3.1.3.7 item 2): an answer from B (its `iss`, its
 *   code, its ID token) arriving at A's callback.
 *
 * In every case: no authorization code reaches the app, no principal or federated identity is
 * created, and the refusal is audited with its reason.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { appAuthorizationRequest, signIn, type Credentials } from '../support/app-login';
import { Browser } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';
import { discoveryDocument } from '../support/hostile-op';

jest.setTimeout(60_000);

const ALICE: Credentials = { username: 'alice', password: 'alice-password' };
const CAROL: Credentials = { username: 'carol', password: 'carol-password' };
const A = 'upstream';
const B = 'partner';
const RELAY = 'relay';

/**
 * An attacker's OP for the ID-token mix-up: its own issuer, but its authorization endpoint sends
 * the browser to B (with Tessera's state, nonce and code_challenge), its token endpoint redeems
 * B's code at B and returns B's token response untouched (an ID token with iss = B, signed by B,
 * aud = tessera, the right nonce), and its JWKS is B's. Only the `iss` check can tell.
 */
interface RelayOp {
  issuer: string;
  callback: string;
  /** Set once B is running. */
  target?: { issuer: string; clientSecret: string };
  /** Authorization requests Tessera sent it (query parameters). */
  requests: Array<Record<string, string>>;
  /** Codes presented at its token endpoint. */
  codesRedeemed: string[];
  /** ID tokens relayed to Tessera. */
  relayed: string[];
  close(): Promise<void>;
}

async function startRelayOp(): Promise<RelayOp> {
  const app = express();
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const issuer = `http://localhost:${(server.address() as AddressInfo).port}`;
  const relay: RelayOp = {
    issuer,
    callback: `${issuer}/cb`,
    requests: [],
    codesRedeemed: [],
    relayed: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  /** Tessera's redirect_uri by state, to send B's answer on to. */
  const returnTo = new Map<string, string>();
  const target = () => {
    if (!relay.target) throw new Error('relay has no target');
    return relay.target;
  };

  app.get('/.well-known/openid-configuration', (_req, res) => {
    res.json(discoveryDocument(issuer, { token_endpoint_auth_methods_supported: ['client_secret_basic'] }));
  });
  app.get('/jwks', async (_req, res) => {
    res.json(await (await fetch(`${target().issuer}/jwks`)).json());
  });
  app.get('/authorize', (req, res) => {
    const q = new URLSearchParams(req.url.slice(req.url.indexOf('?') + 1));
    relay.requests.push(Object.fromEntries(q));
    returnTo.set(q.get('state') ?? '', q.get('redirect_uri') ?? '');
    q.set('redirect_uri', relay.callback);
    res.redirect(302, `${target().issuer}/auth?${q}`);
  });
  app.get('/cb', (req, res) => {
    const q = new URLSearchParams(req.url.slice(req.url.indexOf('?') + 1));
    const back = new URL(returnTo.get(q.get('state') ?? '') ?? '');
    back.searchParams.set('code', q.get('code') ?? '');
    back.searchParams.set('state', q.get('state') ?? '');
    res.redirect(302, back.href);
  });
  app.post('/token', express.urlencoded({ extended: false }), async (req, res) => {
    const { issuer: bIssuer, clientSecret } = target();
    relay.codesRedeemed.push(String(req.body.code));
    const upstream = await fetch(`${bIssuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`tessera:${clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: String(req.body.code), code_verifier: String(req.body.code_verifier), redirect_uri: relay.callback }),
    });
    const body = (await upstream.json()) as { id_token?: string };
    if (body.id_token) relay.relayed.push(body.id_token);
    res.status(upstream.status).json(body);
  });
  return relay;
}

describe('answers at the wrong provider’s callback', () => {
  let h: Harness;
  let relay: RelayOp;
  const callback = (provider: string) => `${h.issuer}/federation/oidc/${provider}/callback`;
  const idpOf = (provider: string) => (provider === A ? h.idp : h.upstreams[provider].idp);

  beforeAll(async () => {
    relay = await startRelayOp();
    h = await startHarness({
      extraUpstreamIdps: [{ id: B, extraRedirectUris: [relay.callback] }],
      extraProviders: [{ id: RELAY, issuer: relay.issuer, trustDomains: ['relay.example'] }],
    });
    relay.target = { issuer: h.upstreams[B].idp.issuer, clientSecret: h.upstreams[B].clientSecret };
    expect(h.upstreams[B].idp.issuer).not.toBe(h.idp.issuer);
  });
  afterAll(async () => {
    await h?.close();
    await relay?.close();
  });

  /** What an attack must not change: identities, principals and codes issued to apps. */
  async function counts() {
    const [row] = await h.dataSource.query(
      `SELECT (SELECT count(*)::int FROM federated_identities) AS identities,
              (SELECT count(*)::int FROM principals) AS principals,
              (SELECT count(*)::int FROM authorization_codes) AS codes,
              (SELECT count(*)::int FROM audit_events WHERE type = 'authorize.code_issued') AS codes_audited`,
    );
    return row as { identities: number; principals: number; codes: number; codes_audited: number };
  }

  /** The newest audit event id, to read what happened after it. */
  async function auditMark(): Promise<number> {
    const [row] = await h.dataSource.query(`SELECT coalesce(max(id), 0)::bigint AS id FROM audit_events`);
    return Number(row.id);
  }

  /** Audit events with outcome failure written after `mark`. */
  async function failuresSince(mark: number) {
    return (await h.dataSource.query(`SELECT type, reason, provider_id, client_id FROM audit_events WHERE id > $1 AND outcome = 'failure' ORDER BY id`, [mark])) as Array<{
      type: string;
      reason: string;
      provider_id: string | null;
      client_id: string | null;
    }>;
  }

  /** Starts the app's login at `provider` (idp_hint) and signs in there; stops at Tessera's callback. */
  async function answerFrom(provider: string, browser: Browser, user: Credentials = ALICE) {
    const request = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: provider });
    const { stop } = await signIn(browser, request.url, user, [callback(provider)]);
    return { request, answer: stop };
  }

  async function exchange(request: Awaited<ReturnType<typeof appAuthorizationRequest>>, at: URL) {
    return oidc.authorizationCodeGrant(h.app, at, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce, idTokenExpected: true });
  }

  it('control: a login through A and a login through B each complete at their own callback, with distinct principals', async () => {
    const subs: string[] = [];
    for (const provider of [A, B]) {
      const browser = new Browser();
      const { request, answer } = await answerFrom(provider, browser);
      expect(answer.searchParams.get('iss')).toBe(idpOf(provider).issuer); // RFC 9207 §2
      const end = await browser.follow(answer, { stopAt: [APP_REDIRECT] });
      subs.push((await exchange(request, new URL(end.stoppedAt!))).claims()!.sub);
    }
    expect(subs[0]).not.toBe(subs[1]);
    const rows = await h.dataSource.query(`SELECT provider_id, subject FROM federated_identities WHERE principal_id = ANY($1::uuid[]) ORDER BY provider_id`, [subs]);
    expect(rows).toEqual([
      { provider_id: B, subject: 'u-alice' },
      { provider_id: A, subject: 'u-alice' },
    ]);
  });

  describe('cross-provider injection (RFC 9700 §4.5, RFC 6749 §10.12)', () => {
    it.each([
      [A, B],
      [B, A],
    ])('%s’s answer (code, state, iss) delivered to %s’s callback is refused with 400 login.transaction_unknown; the login is not consumed and completes at its own callback', async (from, to) => {
      const browser = new Browser();
      const { request, answer } = await answerFrom(from, browser);
      const before = await counts();
      const mark = await auditMark();

      const injected = new URL(callback(to));
      injected.search = answer.search;
      const refused = await browser.fetch(injected);
      expect(refused.status).toBe(400);
      expect(refused.headers.get('location')).toBeNull(); // an error page: nothing goes to the app
      expect(refused.headers.get('content-type')).toMatch(/^text\/html/);
      const page = await refused.text();
      expect(page).toContain('login.transaction_unknown');
      expect(page).not.toContain(answer.searchParams.get('code')!);
      expect(await counts()).toEqual(before);
      expect(await failuresSince(mark)).toEqual([expect.objectContaining({ reason: 'login.transaction_unknown', provider_id: to })]);

      // The transaction is bound to `from`: the injection neither used nor burnt it, so the
      // genuine answer still completes the same login, for the same user, through `from`.
      const end = await browser.follow(answer, { stopAt: [APP_REDIRECT] });
      const back = new URL(end.stoppedAt!);
      expect(back.searchParams.get('error')).toBeNull();
      const claims = (await exchange(request, back)).claims()!;
      const [identity] = await h.dataSource.query(`SELECT provider_id, subject FROM federated_identities WHERE principal_id = $1`, [claims.sub]);
      expect(identity).toEqual({ provider_id: from, subject: 'u-alice' });
    });

    it('login CSRF across providers: an attacker’s code from B with the victim’s state for A, at B’s callback, is refused; the victim still signs in as herself through A', async () => {
      // The attacker signs in at B as carol and keeps the answer instead of delivering it.
      const attacker = await answerFrom(B, new Browser(), CAROL);
      // The victim's browser starts a login at A; Tessera sends it to A's authorization endpoint.
      const victim = new Browser();
      const request = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: A });
      const toA = new URL((await victim.follow(request.url, { stopAt: [h.idp.issuer] })).stoppedAt!);
      const victimState = toA.searchParams.get('state')!;
      expect(victimState).toBeTruthy();
      const before = await counts();
      const mark = await auditMark();

      // The attacker makes the victim's browser deliver B's code with the victim's state.
      const forged = new URL(callback(B));
      forged.search = new URLSearchParams({ code: attacker.answer.searchParams.get('code')!, state: victimState, iss: h.upstreams[B].idp.issuer }).toString();
      const refused = await victim.fetch(forged);
      expect(refused.status).toBe(400);
      expect(refused.headers.get('location')).toBeNull();
      expect(await refused.text()).toContain('login.transaction_unknown');
      expect(await counts()).toEqual(before);
      expect(await failuresSince(mark)).toEqual([expect.objectContaining({ reason: 'login.transaction_unknown', provider_id: B })]);
      const carol = await h.dataSource.query(`SELECT count(*)::int AS n FROM federated_identities WHERE subject = 'u-carol'`);
      expect(carol[0].n).toBe(0);

      // The victim's own login is untouched: she signs in at A and gets her own identity.
      const { stop } = await signIn(victim, toA, ALICE, [APP_REDIRECT]);
      const claims = (await exchange(request, stop)).claims()!;
      const [identity] = await h.dataSource.query(`SELECT provider_id, subject FROM federated_identities WHERE principal_id = $1`, [claims.sub]);
      expect(identity).toEqual({ provider_id: A, subject: 'u-alice' });
    });
  });

  describe('mix-up (RFC 9207, RFC 9700 §4.4)', () => {
    /**
     * The login starts at A, but the browser is sent to B's authorization endpoint with A's
     * request (state, nonce, code_challenge; redirect_uri set to B's callback, the only one B
     * accepts) and signs in there. B answers with its code, A's state and its own iss.
     */
    async function answerFromBForLoginAtA(browser: Browser) {
      const request = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: A });
      const toA = new URL((await browser.follow(request.url, { stopAt: [h.idp.issuer] })).stoppedAt!);
      const toB = new URL(`${h.upstreams[B].idp.issuer}/auth`);
      toB.search = toA.search;
      toB.searchParams.set('redirect_uri', callback(B));
      const { stop } = await signIn(browser, toB, ALICE, [callback(B)]);
      expect(stop.searchParams.get('state')).toBe(toA.searchParams.get('state'));
      expect(stop.searchParams.get('iss')).toBe(h.upstreams[B].idp.issuer);
      return { request, answer: stop, toA };
    }

    it.each<[string, (q: URLSearchParams) => void, string]>([
      ['RFC 9207 §2.4: with iss = B’s issuer', () => undefined, 'oidc.issuer_mismatch'],
      ['RFC 9207 §2.4: with iss removed, although A announces authorization_response_iss_parameter_supported', (q) => q.delete('iss'), 'oidc.issuer_mismatch'],
      ['with iss forged to A’s issuer (B’s code is then refused by A’s token endpoint)', (q) => q.set('iss', h.idp.issuer), 'oidc.token_exchange_failed'],
    ])('B’s answer (B’s code, A’s state) at A’s callback, %s → the app gets access_denied and no code', async (_name, tamper, reason) => {
      const browser = new Browser();
      const { request, answer } = await answerFromBForLoginAtA(browser);
      const before = await counts();
      const mark = await auditMark();

      const mixedUp = new URL(callback(A));
      const q = new URLSearchParams(answer.search);
      tamper(q);
      mixedUp.search = q.toString();
      const end = await browser.follow(mixedUp, { stopAt: [APP_REDIRECT] });
      const back = new URL(end.stoppedAt!);
      expect(back.searchParams.get('code')).toBeNull();
      expect(Object.fromEntries(back.searchParams)).toMatchObject({ error: 'access_denied', error_description: reason, state: request.state, iss: h.issuer });
      expect(await counts()).toEqual(before);
      const failures = await failuresSince(mark);
      expect(failures).toEqual([expect.objectContaining({ type: 'login.failed', reason, provider_id: A, client_id: 'app' })]);
    });

    it('RFC 9207 §2.4 (the client aborts the flow): the refused mix-up answer ends A’s login transaction; A’s genuine answer for the same state arriving later is refused as login.transaction_replayed', async () => {
      const browser = new Browser();
      const { answer, toA } = await answerFromBForLoginAtA(browser);
      const mixedUp = new URL(callback(A));
      mixedUp.search = answer.search;
      const first = await browser.follow(mixedUp, { stopAt: [APP_REDIRECT] });
      expect(new URL(first.stoppedAt!).searchParams.get('error_description')).toBe('oidc.issuer_mismatch');

      // The user now signs in at A for the very same request (same state): too late.
      const genuine = (await signIn(browser, toA, ALICE, [callback(A)])).stop;
      expect(genuine.searchParams.get('state')).toBe(answer.searchParams.get('state'));
      expect(genuine.searchParams.get('iss')).toBe(h.idp.issuer);
      const before = await counts();
      const late = await browser.fetch(genuine);
      expect(late.status).toBe(400);
      expect(late.headers.get('location')).toBeNull();
      expect(await late.text()).toContain('login.transaction_replayed');
      expect(await counts()).toEqual(before);
    });

    it('RFC 9700 §4.4.1 (classic mix-up): B’s genuine answer delivered to the attacker-controlled provider’s callback is refused before any token request, so B’s code never reaches the attacker’s token endpoint', async () => {
      const browser = new Browser();
      const { request, answer } = await answerFrom(B, browser);
      const before = await counts();
      const mark = await auditMark();
      relay.codesRedeemed.length = 0;

      const toAttacker = new URL(callback(RELAY));
      toAttacker.search = answer.search;
      const refused = await browser.fetch(toAttacker);
      expect(refused.status).toBe(400);
      expect(refused.headers.get('location')).toBeNull();
      expect(await refused.text()).toContain('login.transaction_unknown');
      expect(relay.codesRedeemed).toEqual([]);
      expect(await counts()).toEqual(before);
      expect(await failuresSince(mark)).toEqual([expect.objectContaining({ reason: 'login.transaction_unknown', provider_id: RELAY })]);

      // B's code is still unspent at B, and the login completes through B's own callback.
      const end = await browser.follow(answer, { stopAt: [APP_REDIRECT] });
      const claims = (await exchange(request, new URL(end.stoppedAt!))).claims()!;
      const [identity] = await h.dataSource.query(`SELECT provider_id, subject FROM federated_identities WHERE principal_id = $1`, [claims.sub]);
      expect(identity).toEqual({ provider_id: B, subject: 'u-alice' });
    });

    it('OIDC Core §3.1.3.7 item 2: an ID token issued by B (B’s signature, aud tessera, the right nonce), returned by another provider’s token endpoint, is refused with oidc.issuer_mismatch', async () => {
      const browser = new Browser();
      const request = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: RELAY });
      const before = await counts();
      const mark = await auditMark();
      relay.relayed.length = 0;
      relay.requests.length = 0;
      const { stop } = await signIn(browser, request.url, ALICE, [APP_REDIRECT]);
      expect(stop.searchParams.get('code')).toBeNull();
      expect(Object.fromEntries(stop.searchParams)).toMatchObject({ error: 'access_denied', error_description: 'oidc.issuer_mismatch', state: request.state });

      // The attack was real: Tessera did receive B's genuine ID token for this login, whose
      // signature verifies with the keys the relay publishes (B's); only its iss gave it away.
      expect(relay.relayed).toHaveLength(1);
      const relayedJwks = jose.createRemoteJWKSet(new URL(`${relay.issuer}/jwks`));
      const { payload } = await jose.jwtVerify(relay.relayed[0], relayedJwks, { audience: 'tessera' });
      expect(payload.iss).toBe(h.upstreams[B].idp.issuer);
      expect(payload.sub).toBe('u-alice');
      expect(relay.requests).toHaveLength(1);
      expect(payload.nonce).toBe(relay.requests[0].nonce); // the nonce Tessera sent for this very login
      expect(await counts()).toEqual(before);
      expect(await failuresSince(mark)).toEqual([expect.objectContaining({ type: 'login.failed', reason: 'oidc.issuer_mismatch', provider_id: RELAY, client_id: 'app' })]);
    });
  });
});
