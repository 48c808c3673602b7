/**
 * The upstream IdP is the attacker (or merely broken): it says whatever it likes in a correctly
 * signed ID token. Tessera must not pass on what it cannot stand behind.
 */
import * as oidc from 'openid-client';
import { appAuthorizationRequest } from '../support/app-login';
import { Browser } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';
import { startHostileOp, type HostileBehaviour, type HostileOp } from '../support/hostile-op';

jest.setTimeout(60_000);

describe('a hostile upstream IdP', () => {
  let op: HostileOp;
  let h: Harness;
  beforeAll(async () => {
    op = await startHostileOp();
    h = await startHarness({ extraProviders: [{ id: 'hostile', issuer: op.issuer, trustDomains: ['corp.example'] }] });
  });
  afterAll(async () => {
    await h?.close();
    await op?.close();
  });

  const now = () => Math.floor(Date.now() / 1000);

  /** Logs in through the hostile IdP; resolves to the app's callback parameters and the request. */
  async function loginVia(behaviour: HostileBehaviour, extra: Record<string, string> = {}) {
    op.behaviour = behaviour;
    const request = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: 'hostile', ...extra });
    const end = await new Browser().follow(request.url, { stopAt: [APP_REDIRECT] });
    return { ...request, callback: new URL(end.stoppedAt!) };
  }

  it.each<[string, () => HostileBehaviour, Record<string, string>, string]>([
    ['OIDC Core §3.1.2.1: prompt=login, but the IdP reports a day-old authentication', () => ({ idTokenClaims: { auth_time: now() - 86_400 } }), { prompt: 'login' }, 'oidc.reauthentication_missing'],
    ['OIDC Core §3.1.2.1: prompt=login, but the IdP reports no auth_time at all', () => ({ idTokenClaims: {} }), { prompt: 'login' }, 'oidc.reauthentication_missing'],
    ['OIDC Core §2: an auth_time a day in the future', () => ({ idTokenClaims: { auth_time: now() + 86_400 } }), {}, 'oidc.auth_time_invalid'],
    ['OIDC Core §3.1.2.1: max_age=60 and no auth_time', () => ({ idTokenClaims: {} }), { max_age: '60' }, 'oidc.auth_time_invalid'],
    ['OIDC Core §3.1.2.1: max_age=60 and an hour-old authentication', () => ({ idTokenClaims: { auth_time: now() - 3_600 } }), { max_age: '60' }, 'oidc.auth_time_invalid'],
    ['a NUL character in a claim (cannot be stored; must not become a 500)', () => ({ idTokenClaims: { acr: 'x\u0000y', name: 'a\u0000b' } }), {}, 'oidc.claims_invalid'],
    ['a lone surrogate in acr (jsonb refuses it; must not become a 500)', () => ({ idTokenClaims: { acr: 'x\ud800y' } }), {}, 'oidc.claims_invalid'],
    ['a lone surrogate in name', () => ({ idTokenClaims: { name: 'x\ud800' } }), {}, 'oidc.claims_invalid'],
    ['a lone surrogate in sub (text would store U+FFFD: two subjects would become one principal)', () => ({ idTokenClaims: { sub: 'coll\udbff' } }), {}, 'oidc.claims_invalid'],
    ['a lone surrogate in a claim name', () => ({ idTokenClaims: { ['x\udc00']: 'y' } }), {}, 'oidc.claims_invalid'],
    ['an upstream token error whose description carries NUL and a lone surrogate (still answered, still audited)', () => ({ idTokenClaims: {}, tokenError: { error: 'invalid_grant', error_description: 'a\u0000b\ud800' } }), {}, 'oidc.token_exchange_failed'],
  ])('%s → the app gets access_denied (%#)', async (_name, behaviour, extra, reason) => {
    const { callback } = await loginVia(behaviour(), extra);
    expect(Object.fromEntries(callback.searchParams)).toMatchObject({ error: 'access_denied', error_description: reason });
  });

  it('the audit trail keeps the upstream’s unstorable error text, made storable', async () => {
    await loginVia({ idTokenClaims: {}, tokenError: { error: 'invalid_grant', error_description: 'bad\u0000text' } });
    const [event] = await h.dataSource.query(`SELECT reason, details FROM audit_events WHERE type = 'login.failed' ORDER BY id DESC LIMIT 1`);
    expect(event.reason).toBe('oidc.token_exchange_failed');
    expect(event.details.detail).toContain('bad\ufffdtext');
  });

  it('prompt=login and max_age are passed on to the IdP (OIDC Core §3.1.2.1)', async () => {
    op.requests.length = 0;
    await loginVia({ idTokenClaims: { auth_time: now() } }, { prompt: 'login', max_age: '30' });
    expect(op.requests[0]).toMatchObject({ prompt: 'login', max_age: '30' });
  });

  it('OIDC Core §2: without an upstream auth_time, Tessera’s tokens carry none (it is never invented)', async () => {
    const l = await loginVia({ idTokenClaims: { sub: 'no-auth-time' } });
    const tokens = await oidc.authorizationCodeGrant(h.app, l.callback, { pkceCodeVerifier: l.verifier, expectedState: l.state, expectedNonce: l.nonce });
    expect(tokens.claims()).not.toHaveProperty('auth_time');
    const fresh = await loginVia({ idTokenClaims: { sub: 'fresh', auth_time: now() - 5 } }, { prompt: 'login' });
    const freshTokens = await oidc.authorizationCodeGrant(h.app, fresh.callback, { pkceCodeVerifier: fresh.verifier, expectedState: fresh.state, expectedNonce: fresh.nonce });
    expect(freshTokens.claims()!.auth_time).toBeGreaterThanOrEqual(now() - 10);
  });

  it.each<[string, HostileBehaviour, string | undefined, boolean]>([
    [
      'issue 12 item 5 / B15: userinfo sends another email → the ID token wins, with its own verified flag (never the other source’s)',
      { idTokenClaims: { sub: 'u1', email: 'x@corp.example', email_verified: true }, userinfo: { email: 'boss@corp.example' } },
      'x@corp.example',
      true,
    ],
    [
      'a userinfo email_verified without an email does not verify the ID token’s address',
      { idTokenClaims: { sub: 'u5', email: 'victim@corp.example', email_verified: false }, userinfo: { email_verified: true } },
      'victim@corp.example',
      false,
    ],
    ['RFC 5322 §3.4.1: a line feed inside the domain is not folded away by IDNA', { idTokenClaims: { sub: 'u6', email: 'victim@corp.example\nx', email_verified: true } }, undefined, false],
    ['RFC 5322 §3.4.1: a full-width ＠ in the local part is not an address', { idTokenClaims: { sub: 'u2', email: 'victim\uff20gmail.com@corp.example', email_verified: true } }, undefined, false],
    ['B15: a verified address in a domain the IdP does not own', { idTokenClaims: { sub: 'u3', email: 'ceo@bank.example', email_verified: true } }, 'ceo@bank.example', false],
    ['B15: a verified address in its own domain stays verified', { idTokenClaims: { sub: 'u4', email: 'Pat@Corp.Example', email_verified: true } }, 'Pat@corp.example', true],
  ])('%s', async (_name, behaviour, email, verified) => {
    const l = await loginVia(behaviour);
    const tokens = await oidc.authorizationCodeGrant(h.app, l.callback, { pkceCodeVerifier: l.verifier, expectedState: l.state, expectedNonce: l.nonce });
    const claims = tokens.claims()!;
    expect(claims.email).toBe(email);
    if (email) expect(claims.email_verified).toBe(verified);
  });
});
