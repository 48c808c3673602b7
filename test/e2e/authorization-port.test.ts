/**
 * DESIGN.md §1 step 7 and §9 "One grant value": the login asks the authorization port once, with
 * the login's canonical groups; its decision travels in the grant stored with the code, and the
 * token endpoint mints from that grant without asking again. A denial ends the login with
 * `access_denied` and no code.
 */
import * as oidc from 'openid-client';
import * as jose from 'jose';
import { AuthorizationPort, type AccessDecision, type AccessRequest } from '../../src/authorization/authorization.module';
import { appAuthorizationRequest, signIn, type Credentials } from '../support/app-login';
import { Browser } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(60_000);

/** An authorization port that records every question and answers from the groups alone. */
class RecordingAuthorization extends AuthorizationPort {
  readonly asked: AccessRequest[] = [];
  async decide(request: AccessRequest): Promise<AccessDecision> {
    this.asked.push({ ...request, groups: [...request.groups] });
    if (request.groups.length === 0) return { allowed: false, reason: 'no group grants access to this app' };
    return { allowed: true, roles: request.groups.includes('upstream:admins') ? ['admin', 'reader'] : ['reader'] };
  }
}

const ALICE: Credentials = { username: 'alice', password: 'alice-password' }; // groups staff, admins
const CAROL: Credentials = { username: 'carol', password: 'carol-password' }; // no groups

describe('the authorization port sees the login’s groups, and its decision travels in the grant', () => {
  const port = new RecordingAuthorization();
  let h: Harness;
  beforeAll(async () => {
    // `claims: [roles]`: only clients that ask for roles get them (issue 11 item 6).
    h = await startHarness({ authorization: port, extraClients: [{ id: 'roles-app', redirectUris: [APP_REDIRECT], claims: ['roles'] }] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('DESIGN.md §1 step 7: asked once per login with the namespaced groups; roles reach the access token without a second question', async () => {
    const request = await appAuthorizationRequest(h.clients['roles-app'], APP_REDIRECT);
    const { stop } = await signIn(new Browser(), request.url, ALICE, [APP_REDIRECT]);
    expect(port.asked).toHaveLength(1);
    expect(port.asked[0]).toEqual({ principalId: expect.stringMatching(/^[0-9a-f-]{36}$/), clientId: 'roles-app', providerId: 'upstream', groups: ['upstream:staff', 'upstream:admins'] });

    const tokens = await oidc.authorizationCodeGrant(h.clients['roles-app'], stop, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
    const jwks = jose.createRemoteJWKSet(new URL(`${h.issuer}/oauth2/jwks`));
    const { payload } = await jose.jwtVerify(tokens.access_token, jwks, { issuer: h.issuer, typ: 'at+jwt' });
    expect(payload.sub).toBe(port.asked[0].principalId);
    expect(payload.roles).toEqual(['admin', 'reader']);
    // The token endpoint read the grant stored with the code; it did not ask again.
    expect(port.asked).toHaveLength(1);
  });

  it('RFC 6749 §4.1.2.1: a denial ends the login with access_denied (authorization.denied) and no code; the denial is audited', async () => {
    const before = port.asked.length;
    const request = await appAuthorizationRequest(h.app, APP_REDIRECT);
    const { stop } = await signIn(new Browser(), request.url, CAROL, [APP_REDIRECT]);
    expect(port.asked).toHaveLength(before + 1);
    expect(port.asked[before].groups).toEqual([]);
    expect(stop.searchParams.get('code')).toBeNull();
    expect(stop.searchParams.get('error')).toBe('access_denied');
    expect(stop.searchParams.get('error_description')).toBe('authorization.denied');
    expect(stop.searchParams.get('state')).toBe(request.state);
    const audited = await h.dataSource.query(`SELECT count(*)::int AS n FROM audit_events WHERE type = 'login.failed' AND reason = 'authorization.denied'`);
    expect(audited[0].n).toBe(1);
  });
});
