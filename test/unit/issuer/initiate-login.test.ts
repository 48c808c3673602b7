import { initiateLoginTarget } from '../../../src/issuer/initiate-login.rules';

const app = { initiateLoginUri: 'https://app.example/login/start?tenant=a', clientUri: 'https://www.app.example/', redirectUris: ['https://app.example/cb', 'http://127.0.0.1:8765/cb'] };
const ISS = 'https://broker.example';

describe('third-party-initiated login (OIDC Core §4)', () => {
  it.each<[string, typeof app | undefined, { targetLinkUri?: string; loginHint?: string }, ReturnType<typeof initiateLoginTarget>]>([
    ['OIDC Core §4: iss is always sent to the registered initiate_login_uri (its own query kept)', app, {}, { ok: true, url: 'https://app.example/login/start?tenant=a&iss=https%3A%2F%2Fbroker.example' }],
    ['OIDC Core §4: target_link_uri on the app’s own origin is passed on', app, { targetLinkUri: 'https://app.example/reports/7' }, { ok: true, url: 'https://app.example/login/start?tenant=a&iss=https%3A%2F%2Fbroker.example&target_link_uri=https%3A%2F%2Fapp.example%2Freports%2F7' }],
    ['the home page’s origin counts as the app’s own', app, { targetLinkUri: 'https://www.app.example/x' }, { ok: true, url: 'https://app.example/login/start?tenant=a&iss=https%3A%2F%2Fbroker.example&target_link_uri=https%3A%2F%2Fwww.app.example%2Fx' }],
    ['OIDC Core §4 / RFC 9700 §4.11: a target_link_uri elsewhere is dropped (no open redirect)', app, { targetLinkUri: 'https://evil.example/phish' }, { ok: true, url: 'https://app.example/login/start?tenant=a&iss=https%3A%2F%2Fbroker.example' }],
    ['a javascript: target is dropped', app, { targetLinkUri: 'javascript:alert(1)' }, { ok: true, url: 'https://app.example/login/start?tenant=a&iss=https%3A%2F%2Fbroker.example' }],
    ['OIDC Core §4: login_hint is passed on', app, { loginHint: 'pat@acme.example' }, { ok: true, url: 'https://app.example/login/start?tenant=a&iss=https%3A%2F%2Fbroker.example&login_hint=pat%40acme.example' }],
    ['an unknown client', undefined, {}, { ok: false, reason: 'client_unknown' }],
    ['a client without initiateLoginUri is never a target', { ...app, initiateLoginUri: undefined as unknown as string }, {}, { ok: false, reason: 'not_registered' }],
  ])('%s', (_title, client, params, expected) => {
    expect(initiateLoginTarget(client, ISS, params)).toEqual(expected);
  });
});
