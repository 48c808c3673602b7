/**
 * OpenID Connect RP-Initiated Logout 1.0 at Tessera's end-session endpoint (src/issuer/
 * end-session.rules.ts, the issuer's half of logout; kept beside the sessions rules it drives):
 * reading the request (§2), identifying the client and the redirect (§2, §3), and deciding
 * whether the browser's session ends, needs confirmation, or does not exist (§2, §4).
 */
import type { ClientConfig } from '../../../src/config';
import { decideLogout, logoutConfirmationToken, readLogoutRequest, resolveLogoutTarget, type HintFacts } from '../../../src/issuer/end-session.rules';

function client(id: string, postLogoutRedirectUris?: string[]): ClientConfig {
  return {
    id,
    file: `${id}.yaml`,
    displayName: id,
    type: 'confidential',
    tokenEndpointAuthMethods: ['client_secret_basic'],
    redirectUris: ['http://127.0.0.1/cb'],
    grantTypes: ['authorization_code'],
    scopes: ['openid'],
    requirePkce: true,
    idTokenSignedResponseAlg: 'RS256',
    accessTokenLifetimeSeconds: 300,
    idTokenLifetimeSeconds: 300,
    authorizationResponseIss: true,
    ...(postLogoutRedirectUris ? { postLogoutRedirectUris } : {}),
  };
}

const CLIENTS = new Map<string, ClientConfig>([
  ['rp1', client('rp1', ['https://rp1.example/bye', 'http://127.0.0.1:8080/bye'])],
  ['rp2', client('rp2')],
]);
const HINT_RP1: HintFacts = { sub: 'alice', aud: ['rp1'], azp: 'rp1', sid: 'sid-1' };

describe('RP-Initiated Logout 1.0 §2: reading the request', () => {
  it('takes the known parameters, ignores logout_hint, ui_locales and unknown ones, and treats empty values as absent', () => {
    expect(readLogoutRequest({ id_token_hint: 'h', client_id: 'rp1', post_logout_redirect_uri: 'https://rp1.example/bye', state: 's', logout_hint: 'alice', ui_locales: 'de', other: 'x', confirmation: '' })).toEqual({
      ok: true,
      request: { idTokenHint: 'h', clientId: 'rp1', postLogoutRedirectUri: 'https://rp1.example/bye', state: 's' },
    });
  });
  it.each([
    [{ client_id: ['rp1', 'rp2'] }, 'request.parameter_repeated'],
    [{ state: { a: 'b' } }, 'request.parameter_repeated'],
    [{ state: 'a\nb' }, 'request.parameter_malformed'],
    [{ 'bad\u0000name': 'x' }, 'request.parameter_malformed'],
    [{ state: '\ud800' }, 'request.parameter_malformed'],
    [{ state: 'x'.repeat(2049) }, 'request.parameter_too_long'],
    [{ id_token_hint: 'x'.repeat(8193) }, 'request.parameter_too_long'],
  ])('refuses %j with %s', (raw, code) => {
    expect(readLogoutRequest(raw as Record<string, unknown>)).toMatchObject({ ok: false, code });
  });
  it('accepts an id_token_hint longer than other parameters may be', () => {
    expect(readLogoutRequest({ id_token_hint: 'x'.repeat(4000) })).toMatchObject({ ok: true });
  });
});

describe('RP-Initiated Logout 1.0 §2, §3: the client and the post-logout redirect', () => {
  it.each([
    ['nothing: no client, no redirect', {}, undefined, { ok: true }],
    ['a valid hint identifies its client (azp)', {}, HINT_RP1, { ok: true, client: CLIENTS.get('rp1') }],
    ['client_id alone identifies the client', { clientId: 'rp2' }, undefined, { ok: true, client: CLIENTS.get('rp2') }],
    ['client_id matching the hint', { clientId: 'rp1' }, HINT_RP1, { ok: true, client: CLIENTS.get('rp1') }],
    ['a registered redirect with a hint is followed', { postLogoutRedirectUri: 'https://rp1.example/bye' }, HINT_RP1, { ok: true, client: CLIENTS.get('rp1'), redirectUri: 'https://rp1.example/bye' }],
    ['a registered redirect with client_id is followed', { clientId: 'rp1', postLogoutRedirectUri: 'http://127.0.0.1:8080/bye' }, undefined, { ok: true, client: CLIENTS.get('rp1'), redirectUri: 'http://127.0.0.1:8080/bye' }],
    ['client_id unknown', { clientId: 'nobody' }, undefined, { ok: false, code: 'client.unknown' }],
    ['client_id not an audience of the hint', { clientId: 'rp2' }, HINT_RP1, { ok: false, code: 'client.id_token_hint_mismatch' }],
    ['a redirect without an identified client (a forged hint counts as absent)', { postLogoutRedirectUri: 'https://rp1.example/bye' }, undefined, { ok: false, code: 'client.post_logout_redirect_uri_mismatch' }],
    ['an unregistered redirect', { clientId: 'rp1', postLogoutRedirectUri: 'https://evil.example/' }, undefined, { ok: false, code: 'client.post_logout_redirect_uri_mismatch' }],
    ['another client\u2019s redirect', { clientId: 'rp2', postLogoutRedirectUri: 'https://rp1.example/bye' }, undefined, { ok: false, code: 'client.post_logout_redirect_uri_mismatch' }],
    ['a loopback redirect on another port (no port freedom)', { clientId: 'rp1', postLogoutRedirectUri: 'http://127.0.0.1:8081/bye' }, undefined, { ok: false, code: 'client.post_logout_redirect_uri_mismatch' }],
    ['a redirect differing by a trailing slash', { clientId: 'rp1', postLogoutRedirectUri: 'https://rp1.example/bye/' }, undefined, { ok: false, code: 'client.post_logout_redirect_uri_mismatch' }],
    ['a redirect differing in case', { clientId: 'rp1', postLogoutRedirectUri: 'https://RP1.example/bye' }, undefined, { ok: false, code: 'client.post_logout_redirect_uri_mismatch' }],
  ])('%s', (_title, request, hint, expected) => {
    expect(resolveLogoutTarget(request, hint, CLIENTS)).toMatchObject(expected);
  });
  it('a hint for a client that is no longer registered identifies no client', () => {
    expect(resolveLogoutTarget({}, { sub: 'alice', aud: ['gone'] }, CLIENTS)).toEqual({ ok: true });
  });
});

describe('RP-Initiated Logout 1.0 §2: end now, ask first, or nothing to end', () => {
  const session = { sid: 'sid-1', principalId: 'alice' };
  it.each([
    ['no session', undefined, HINT_RP1, false, 'no_session'],
    ['no session, even when confirmed', undefined, undefined, true, 'no_session'],
    ['a hint for this session', session, HINT_RP1, false, 'end'],
    ['a hint for another session of the same user', session, { ...HINT_RP1, sid: 'sid-0' }, false, 'end'],
    ['a hint without sid for the same user', session, { sub: 'alice', aud: ['rp1'] }, false, 'end'],
    ['a hint for another user', session, { sub: 'bob', aud: ['rp1'], sid: 'sid-9' }, false, 'confirm'],
    ['no (valid) hint', session, undefined, false, 'confirm'],
    ['no hint, confirmed on Tessera\u2019s form', session, undefined, true, 'end'],
  ])('%s', (_title, s, hint, confirmed, expected) => {
    expect(decideLogout(s, hint, confirmed)).toBe(expected);
  });
  it('the confirmation token depends on the session cookie and is not its stored hash', () => {
    const a = logoutConfirmationToken('A'.repeat(43));
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(logoutConfirmationToken('B'.repeat(43))).not.toBe(a);
    expect(logoutConfirmationToken('A'.repeat(43))).toBe(a);
  });
});
