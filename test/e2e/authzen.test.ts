/**
 * Issue 11: the AuthZEN API (OpenID AuthZEN Authorization API 1.0) end to end, with principals
 * created by real logins through the upstream OP; roles in tokens; bindings through the admin
 * API changing the next decision; the admin API protected by policy. Attacker's side: bad
 * input is 400 with a reason, never 500, never true.
 */
import * as oidc from 'openid-client';
import * as jose from 'jose';
import fc from 'fast-check';
import { AuthorizationService } from '../../src/authorization/authorization.module';
import { appAuthorizationRequest, signIn, type Credentials } from '../support/app-login';
import { Browser } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(120_000);

const ALICE: Credentials = { username: 'alice', password: 'alice-password' }; // groups staff, admins
const BOB: Credentials = { username: 'bob', password: 'bob-password' }; // group contractors
const BOOTSTRAP = 'bootstrap-admin-token-for-tests';
const QUARTERLY = { type: 'Report', id: 'quarterly' };

describe('AuthZEN Authorization API 1.0 over principals from real logins (issue 11)', () => {
  let h: Harness;
  let alice: string;
  let bob: string;
  let aliceRolesToken: Record<string, unknown>;
  let bobRolesToken: Record<string, unknown>;
  let basic: string;

  const post = (path: string, body: unknown, auth = basic, headers: Record<string, string> = {}) =>
    fetch(`${h.issuer}${path}`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const admin = (method: string, path: string, body?: unknown, token = BOOTSTRAP) =>
    fetch(`${h.issuer}/admin/v1/${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Json = any;
  const evaluate = async (principal: string, action = 'read', resource = QUARTERLY): Promise<Json> => (await post('/access/v1/evaluation', { subject: { type: 'user', id: principal }, action: { name: action }, resource, context: {} })).json();

  /** Signs `user` in to `client` with `scope`; returns the verified access token's payload and the raw token. */
  const login = async (client: string, user: Credentials, scope = 'openid email profile') => {
    const config = h.clients[client];
    const request = await appAuthorizationRequest(config, APP_REDIRECT, { scope });
    const { stop } = await signIn(new Browser(), request.url, user, [APP_REDIRECT]);
    const tokens = await oidc.authorizationCodeGrant(config, stop, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
    const jwks = jose.createRemoteJWKSet(new URL(`${h.issuer}/oauth2/jwks`));
    const { payload } = await jose.jwtVerify(tokens.access_token, jwks, { issuer: h.issuer, typ: 'at+jwt' });
    const id = await jose.jwtVerify(tokens.id_token!, jwks, { issuer: h.issuer });
    return { payload: payload as Record<string, unknown>, idToken: id.payload as Record<string, unknown>, token: tokens.access_token };
  };

  beforeAll(async () => {
    h = await startHarness({
      env: { TESSERA_ADMIN_TOKEN: BOOTSTRAP },
      extraClients: [
        { id: 'pep', redirectUris: [APP_REDIRECT], authzen: true, grantTypes: ['authorization_code', 'client_credentials'] },
        { id: 'rp', redirectUris: [APP_REDIRECT], claims: ['roles'] },
        { id: 'console', redirectUris: [APP_REDIRECT], scopes: ['openid', 'email', 'profile', 'tessera:admin'], grantTypes: ['authorization_code', 'client_credentials'] },
      ],
    });
    basic = `Basic ${Buffer.from(`pep:${h.clientSecrets.pep}`).toString('base64')}`;
    // Bootstrap: the harness's provider is `upstream`; bind its staff group to the seeded admin role.
    expect((await admin('POST', 'bindings', { group: 'upstream:staff', role: 'admin' })).status).toBe(201);
    const a = await login('rp', ALICE);
    const b = await login('rp', BOB);
    alice = a.payload.sub as string;
    bob = b.payload.sub as string;
    aliceRolesToken = a.payload;
    bobRolesToken = b.payload;
    expect(a.idToken.roles).toEqual(['admin']);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('AuthZEN 1.0 §9: /.well-known/authzen-configuration names the PDP and both evaluation endpoints', async () => {
    const res = await fetch(`${h.issuer}/.well-known/authzen-configuration`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ policy_decision_point: h.issuer, access_evaluation_endpoint: `${h.issuer}/access/v1/evaluation`, access_evaluations_endpoint: `${h.issuer}/access/v1/evaluations` });
  });

  it('AuthZEN 1.0 §6: alice (staff → admin) may read Report::"quarterly"; bob may not, with a reason code and no policy text', async () => {
    expect(await evaluate(alice)).toEqual({ decision: true });
    const denied = await evaluate(bob);
    expect(denied).toEqual({ decision: false, context: { reason: 'no_permit' } });
    expect(JSON.stringify(denied)).not.toMatch(/permit \(|Role::/);
  });

  it('issue 11 "Bad input": an unknown principal is false; never an error', async () => {
    expect(await evaluate('00000000-0000-4000-8000-000000000000')).toEqual({ decision: false, context: { reason: 'unknown_principal' } });
  });

  it('issue 11 item 5: each decision is audited with the ids of the policies that decided it', async () => {
    await evaluate(alice);
    const rows = await h.dataSource.query(`SELECT details FROM audit_events WHERE type = 'authz.evaluated' AND principal_id = $1 ORDER BY id DESC LIMIT 1`, [alice]);
    expect(rows[0].details.decisions[0]).toMatchObject({ principal: alice, action: 'read', resource: 'Report::quarterly', decision: true, policies: ['admin-reads-quarterly'] });
  });

  it('issue 11 item 6: roles claim in ID and access tokens of a client with claims: [roles]; authz_ver in access tokens; none for a client that did not ask', async () => {
    expect(aliceRolesToken.roles).toEqual(['admin']);
    expect(bobRolesToken.roles).toEqual([]);
    expect(aliceRolesToken.authz_ver).toEqual(expect.any(Number));
    const plain = await login('pep', ALICE);
    expect(plain.payload.roles).toBeUndefined();
    expect(plain.idToken.roles).toBeUndefined();
  });

  it('AuthZEN 1.0 §7: batch with top-level defaults (§7.1.1), execute_all by default, a bad entry refused in its place', async () => {
    const res = await post('/access/v1/evaluations', {
      subject: { type: 'user', id: alice },
      action: { name: 'read' },
      evaluations: [{ resource: QUARTERLY }, { resource: { type: 'Report', id: 'annual' } }, { subject: { type: 'user', id: bob }, resource: QUARTERLY }, { resource: { type: 'Nope', id: 'x' } }],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      evaluations: [{ decision: true }, { decision: false, context: { reason: 'no_permit' } }, { decision: false, context: { reason: 'no_permit' } }, { decision: false, context: { code: 400, reason: 'resource_type_unknown' } }],
    });
  });

  it('AuthZEN 1.0 §7.1.2: deny_on_first_deny and permit_on_first_permit stop after the deciding entry; without evaluations the answer is §6-shaped', async () => {
    const base = { subject: { type: 'user', id: alice }, action: { name: 'read' } };
    const entries = [{ resource: QUARTERLY }, { resource: { type: 'Report', id: 'annual' } }, { resource: QUARTERLY }];
    const deny: Json = await (await post('/access/v1/evaluations', { ...base, evaluations: entries, options: { evaluations_semantic: 'deny_on_first_deny' } })).json();
    expect(deny.evaluations.map((e: { decision: boolean }) => e.decision)).toEqual([true, false]);
    const permit: Json = await (await post('/access/v1/evaluations', { ...base, evaluations: [entries[1], entries[0], entries[2]], options: { evaluations_semantic: 'permit_on_first_permit' } })).json();
    expect(permit.evaluations.map((e: { decision: boolean }) => e.decision)).toEqual([false, true]);
    expect(await (await post('/access/v1/evaluations', { ...base, resource: QUARTERLY })).json()).toEqual({ decision: true });
    expect((await post('/access/v1/evaluations', { ...base, evaluations: entries, options: { evaluations_semantic: 'first_whatever' } })).status).toBe(400);
  });

  it('AuthZEN interop request shapes: subject/resource/action properties, nested context, X-Request-ID echoed', async () => {
    const res = await post(
      '/access/v1/evaluation',
      { subject: { type: 'user', id: alice, properties: { department: 'Sales', ip_address: '172.217.22.14' } }, action: { name: 'read', properties: { method: 'GET' } }, resource: { ...QUARTERLY, properties: { library_record: { title: 'Quarterly', isbn: '978-0593383322' } } }, context: { time: '1985-10-26T01:22-07:00' } },
      basic,
      { 'X-Request-ID': 'bfe9eb29-ab87-4ca3-be83-a1d5d8305716' },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('bfe9eb29-ab87-4ca3-be83-a1d5d8305716');
    expect(await res.json()).toEqual({ decision: true });
  });

  it('issue 11 item 5: callers are confidential clients with authzen: true — Basic or a client_credentials access token; others 401/403', async () => {
    expect((await post('/access/v1/evaluation', {}, 'Basic ' + Buffer.from('pep:wrong').toString('base64'))).status).toBe(401);
    expect((await post('/access/v1/evaluation', {}, '')).status).toBe(401);
    const rp = `Basic ${Buffer.from(`rp:${h.clientSecrets.rp}`).toString('base64')}`;
    expect((await post('/access/v1/evaluation', { subject: { type: 'user', id: alice }, action: { name: 'read' }, resource: QUARTERLY }, rp)).status).toBe(403);
    const cc = await oidc.clientCredentialsGrant(h.clients.pep, {});
    expect((await post('/access/v1/evaluation', { subject: { type: 'user', id: alice }, action: { name: 'read' }, resource: QUARTERLY }, `Bearer ${cc.access_token}`)).status).toBe(200);
    // A user's access token for the same client is not a caller credential.
    const user = await login('pep', BOB);
    expect((await post('/access/v1/evaluation', { subject: { type: 'user', id: alice }, action: { name: 'read' }, resource: QUARTERLY }, `Bearer ${user.token}`)).status).toBe(401);
  });

  it.each([
    ['malformed subject id', { subject: { type: 'user', id: 'alice' }, action: { name: 'read' }, resource: QUARTERLY }, 'subject_id_malformed'],
    ['unknown subject type', { subject: { type: 'robot', id: '00000000-0000-4000-8000-000000000000' }, action: { name: 'read' }, resource: QUARTERLY }, 'subject_type_unsupported'],
    ['unknown resource type', { subject: { type: 'user', id: '00000000-0000-4000-8000-000000000000' }, action: { name: 'read' }, resource: { type: 'User', id: 'x' } }, 'resource_type_unknown'],
    ['unknown action', { subject: { type: 'user', id: '00000000-0000-4000-8000-000000000000' }, action: { name: 'delete' }, resource: QUARTERLY }, 'action_unknown'],
    ['control characters in an id', { subject: { type: 'user', id: '00000000-0000-4000-8000-000000000000' }, action: { name: 'read' }, resource: { type: 'Report', id: 'q\u0000' } }, 'resource_id_malformed'],
    ['deeply nested JSON', { subject: { type: 'user', id: '00000000-0000-4000-8000-000000000000' }, action: { name: 'read' }, resource: QUARTERLY, context: JSON.parse('{"a":'.repeat(40) + '1' + '}'.repeat(40)) }, 'too_deep'],
    ['a JSON array', [1, 2], 'body_not_object'],
  ])('issue 11 "Bad input": %s → 400 with a reason, never 500, never true', async (_t, body, reason) => {
    const res = await post('/access/v1/evaluation', body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).context).toEqual({ reason });
  });

  it('issue 11 "Bad input": an oversized body is refused before parsing (413, RFC 9110 §15.5.14), non-JSON is 400; never 500; both answered as JSON like every AuthZEN and admin error', async () => {
    const big = await post('/access/v1/evaluation', JSON.stringify({ subject: { type: 'user', id: alice }, action: { name: 'read' }, resource: QUARTERLY, context: { pad: 'x'.repeat(300_000) } }));
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toMatch(/application\/json/);
    const junk = await post('/access/v1/evaluation', '{"subject": ');
    expect(junk.status).toBe(400);
    expect(await junk.json()).toMatchObject({ error: 'invalid_request', error_description: 'authz.request_invalid', context: { reason: 'body_malformed' } });
    const batchJunk = await post('/access/v1/evaluations', '{"evaluations": [');
    expect(batchJunk.status).toBe(400);
    expect(batchJunk.headers.get('content-type')).toMatch(/application\/json/);
    const adminJunk = await fetch(`${h.issuer}/admin/v1/bindings`, { method: 'POST', headers: { authorization: `Bearer ${BOOTSTRAP}`, 'content-type': 'application/json' }, body: '{"role": ' });
    expect(adminJunk.status).toBe(400);
    expect(await adminJunk.json()).toEqual({ error: 'invalid_request', error_description: 'request.invalid' });
  });

  it('issue 11 "Tests": fast-check over evaluation bodies — never 500, never true except for the one permitted request', async () => {
    const id = fc.constantFrom(alice, bob, 'not-a-uuid', '', '00000000-0000-4000-8000-000000000000');
    const part = fc.oneof(fc.constant(undefined), fc.anything({ maxDepth: 3 }));
    const body = fc.record({
      subject: fc.oneof(part, fc.record({ type: fc.constantFrom('user', 'User', 'group'), id })),
      action: fc.oneof(part, fc.record({ name: fc.constantFrom('read', 'manage', 'write', '') })),
      resource: fc.oneof(part, fc.record({ type: fc.constantFrom('Report', 'AdminApi', 'User', 'Role'), id: fc.constantFrom('quarterly', 'annual', '') })),
      context: part,
    });
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const res = await post('/access/v1/evaluation', b);
        expect([200, 400]).toContain(res.status);
        const out: Json = await res.json();
        const permitted = (b.subject as { id?: string })?.id === alice && (b.subject as { type?: string }).type === 'user' && (b.action as { name?: string })?.name === 'read' && (b.resource as { type?: string })?.type === 'Report' && (b.resource as { id?: string }).id === 'quarterly' && (b.context === undefined || (typeof b.context === 'object' && b.context !== null && !Array.isArray(b.context)));
        if (out.decision === true) expect(permitted).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('issue 11 items 4, 8: a binding through the admin API changes the next decision and bumps the version in new tokens', async () => {
    const before = bobRolesToken.authz_ver as number;
    const created = await admin('POST', 'bindings', { principal: bob, role: 'admin' });
    expect(created.status).toBe(201);
    const binding: Json = await created.json();
    expect(await evaluate(bob)).toEqual({ decision: true });
    const again = await login('rp', BOB);
    expect(again.payload.roles).toEqual(['admin']);
    expect(again.payload.authz_ver as number).toBeGreaterThan(before);
    expect((await admin('DELETE', `bindings/${binding.id}`)).status).toBe(204);
    expect(await evaluate(bob)).toEqual({ decision: false, context: { reason: 'no_permit' } });
    expect((await admin('DELETE', `bindings/${binding.id}`)).status).toBe(404);
  });

  it('issue 11 item 4: roles through the admin API; bad names and unknown roles are 400, duplicates 409', async () => {
    expect((await admin('POST', 'roles', { name: 'auditor', description: 'reads the audit trail' })).status).toBe(201);
    expect((await admin('POST', 'roles', { name: 'auditor' })).status).toBe(409);
    expect((await admin('POST', 'roles', { name: '1bad name' })).status).toBe(400);
    expect((await admin('POST', 'bindings', { group: 'upstream:staff', role: 'nobody' })).status).toBe(400);
    expect((await admin('POST', 'bindings', { group: 'no-namespace', role: 'auditor' })).status).toBe(400);
    const roles: Json = await (await admin('GET', 'roles')).json();
    expect(roles.roles.map((r: { name: string }) => r.name)).toEqual(['admin', 'auditor']);
    expect((await admin('DELETE', 'roles/auditor')).status).toBe(204);
    const bindings: Json = await (await admin('GET', 'bindings?role=admin')).json();
    expect(bindings.bindings.map((b: { subject: string }) => b.subject)).toEqual(expect.arrayContaining(['demo-idp:staff', 'upstream:staff']));
  });

  it('issue 11 item 7: the admin API takes a tessera:admin access token of a principal the policies permit; others are refused', async () => {
    const a = await login('console', ALICE, 'openid tessera:admin');
    expect((await admin('GET', 'roles', undefined, a.token)).status).toBe(200);
    const b = await login('console', BOB, 'openid tessera:admin');
    expect((await admin('GET', 'roles', undefined, b.token)).status).toBe(403);
    const noScope = await login('console', ALICE, 'openid');
    expect((await admin('GET', 'roles', undefined, noScope.token)).status).toBe(403);
    const cc = await oidc.clientCredentialsGrant(h.clients.console, { scope: 'tessera:admin' });
    expect((await admin('GET', 'roles', undefined, cc.access_token)).status).toBe(403);
    expect((await admin('GET', 'roles', undefined, 'garbage')).status).toBe(401);
    const used = await h.dataSource.query(`SELECT count(*)::int AS n FROM audit_events WHERE type = 'admin.bootstrap_token_used'`);
    expect(used[0].n).toBeGreaterThan(0);
  });

  it('issue 11 "Tests": changing what a provider maps (its groups) leaves a decision that depends only on bindings unchanged', async () => {
    const authz = h.tessera.app.get(AuthorizationService);
    const created: Json = await (await admin('POST', 'bindings', { principal: bob, role: 'admin' })).json();
    expect((await authz.evaluate({ principalId: bob, action: 'read', resource: QUARTERLY })).decision).toBe(true);
    // A changed mapping brings other canonical groups on the next login through the port.
    await authz.decide({ principalId: bob, clientId: 'rp', providerId: 'upstream', groups: ['upstream:renamed-contractors', 'upstream:x'] });
    expect((await authz.evaluate({ principalId: bob, action: 'read', resource: QUARTERLY })).decision).toBe(true);
    await authz.decide({ principalId: bob, clientId: 'rp', providerId: 'upstream', groups: [] });
    expect((await authz.evaluate({ principalId: bob, action: 'read', resource: QUARTERLY })).decision).toBe(true);
    // ... while a decision that came from a group binding follows the groups.
    await authz.decide({ principalId: alice, clientId: 'rp', providerId: 'upstream', groups: ['upstream:admins'] });
    expect((await authz.evaluate({ principalId: alice, action: 'read', resource: QUARTERLY })).decision).toBe(false);
    await authz.decide({ principalId: alice, clientId: 'rp', providerId: 'upstream', groups: ['upstream:staff', 'upstream:admins'] });
    await admin('DELETE', `bindings/${created.id}`);
  });
});
