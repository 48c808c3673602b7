/**
 * The admin API for broker sessions (issue 7 items 4 and 9; DESIGN.md §6 "Broker sessions"):
 * `Authorization: Bearer <TESSERA_ADMIN_TOKEN>` (RFC 6750 §2.1, §3.1), listing a principal's
 * sessions, ending one or all through the one end() path (userinfo refuses their tokens at once),
 * the logout report returned with the session, OpenAPI at /docs-json; and no admin API at all
 * without the token. On PGlite and PostgreSQL.
 */
import * as oidc from 'openid-client';
import { appAuthorizationRequest, signIn, type Credentials } from '../support/app-login';
import { Browser } from '../support/browser';
import { APP_REDIRECT, SPA_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(90_000);

const ALICE: Credentials = { username: 'alice', password: 'alice-password' };
const BOB: Credentials = { username: 'bob', password: 'bob-password' };
const TOKEN = 'e2e-admin-token-0123456789abcdefghijklmnop';
const backends: Array<'pglite' | 'auto'> = process.env.DATABASE_URL ? ['pglite', 'auto'] : ['pglite'];
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

/** A JSON answer, read loosely: the assertions below check its shape. */
const json = (res: Response): Promise<any> => res.json();

describe.each(backends)('admin API: sessions (database: %s)', (database) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ database, env: { TESSERA_ADMIN_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** A fresh browser signs `user` in to `config`; returns its tokens (sid and sub in the ID token). */
  async function session(config: oidc.Configuration, redirect: string, user: Credentials = ALICE) {
    const req = await appAuthorizationRequest(config, redirect);
    const { stop } = await signIn(new Browser(), req.url, user, [redirect]);
    const tokens = await oidc.authorizationCodeGrant(config, stop, { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
    const claims = tokens.claims()!;
    return { accessToken: tokens.access_token, sid: claims.sid as string, sub: claims.sub };
  }

  /** An admin request with `Authorization: Bearer <token>`; `null`: no Authorization header of its own. */
  const admin = (path: string, init: RequestInit = {}, token: string | null = TOKEN) =>
    fetch(`${h.issuer}${path}`, { ...init, headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(init.headers ?? {}) } });
  const userinfoStatus = async (token: string) => (await fetch(`${h.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${token}` } })).status;

  it('issue 7 item 4: GET /admin/v1/principals/{id}/sessions lists the sessions newest first, with provider, ISO times and clients', async () => {
    const first = await session(h.app, APP_REDIRECT);
    const second = await session(h.spa, SPA_REDIRECT);
    expect(second.sub).toBe(first.sub);
    const res = await admin(`/admin/v1/principals/${first.sub}/sessions`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await json(res);
    expect(body.principalId).toBe(first.sub);
    const sids = body.sessions.map((s: { sid: string }) => s.sid);
    expect(sids.indexOf(second.sid)).toBeLessThan(sids.indexOf(first.sid));
    const s = body.sessions.find((x: { sid: string }) => x.sid === first.sid);
    expect(s).toMatchObject({ sid: first.sid, principalId: first.sub, provider: 'upstream', state: 'live', ended: false, endedAt: null, endReason: null, clients: ['app'] });
    for (const field of ['createdAt', 'lastSeenAt', 'idleExpiresAt', 'absoluteExpiresAt', 'authTime']) {
      expect(new Date(s[field]).toISOString()).toBe(s[field]);
    }
    const times = body.sessions.map((x: { createdAt: string }) => x.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('RFC 6750 §3.1: without the bearer token every admin path is 401 admin.unauthorized with a Bearer challenge; nothing is ended', async () => {
    const s = await session(h.app, APP_REDIRECT);
    const cases: Array<[string, RequestInit, string | null, string]> = [
      [`/admin/v1/principals/${s.sub}/sessions`, {}, null, 'Bearer realm="tessera-admin"'],
      [`/admin/v1/sessions/${s.sid}`, { method: 'DELETE' }, 'wrong-token', 'Bearer realm="tessera-admin", error="invalid_token"'],
      [`/admin/v1/principals/${s.sub}/sessions`, { method: 'DELETE' }, `${TOKEN}x`, 'Bearer realm="tessera-admin", error="invalid_token"'],
      ['/admin/v1/nothing-here', {}, null, 'Bearer realm="tessera-admin"'],
      ['/admin', { method: 'POST' }, null, 'Bearer realm="tessera-admin"'],
    ];
    for (const [path, init, token, challenge] of cases) {
      const res = await admin(path, init, token);
      expect({ path, status: res.status, challenge: res.headers.get('www-authenticate') }).toEqual({ path, status: 401, challenge });
      expect(await json(res)).toEqual({ error: 'invalid_token', error_description: 'admin.unauthorized' });
    }
    const basic = await admin(`/admin/v1/sessions/${s.sid}`, { headers: { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` } }, null);
    expect(basic.status).toBe(401);
    expect(await userinfoStatus(s.accessToken)).toBe(200);
  });

  it('DESIGN.md §6: DELETE /admin/v1/sessions/{id} ends the session (204); userinfo refuses its access token; a second DELETE is 404', async () => {
    const s = await session(h.app, APP_REDIRECT);
    expect(await userinfoStatus(s.accessToken)).toBe(200);
    const res = await admin(`/admin/v1/sessions/${s.sid}`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(await userinfoStatus(s.accessToken)).toBe(401);
    const again = await admin(`/admin/v1/sessions/${s.sid}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(await json(again)).toEqual({ error: 'invalid_request', error_description: 'admin.not_found' });
  });

  it('issue 7 item 9: GET /admin/v1/sessions/{id} returns the session with its logout report (the session.ended audit event)', async () => {
    const s = await session(h.app, APP_REDIRECT);
    const live = await json(await admin(`/admin/v1/sessions/${s.sid}`));
    expect(live).toMatchObject({ sid: s.sid, state: 'live', ended: false, logoutReport: null, clients: ['app'] });
    expect((await admin(`/admin/v1/sessions/${s.sid}`, { method: 'DELETE' })).status).toBe(204);
    const res = await admin(`/admin/v1/sessions/${s.sid}`);
    expect(res.status).toBe(200);
    const ended = await json(res);
    expect(ended).toMatchObject({ sid: s.sid, state: 'ended', ended: true, endReason: 'admin', clients: ['app'] });
    expect(ended.logoutReport).toMatchObject({ reason: 'admin', clients: ['app'], details: { sid: s.sid, clients: ['app'] } });
    expect(new Date(ended.logoutReport.endedAt).toISOString()).toBe(ended.logoutReport.endedAt);
    expect(Math.abs(Date.parse(ended.logoutReport.endedAt) - Date.parse(ended.endedAt))).toBeLessThan(5000);
  });

  it('DESIGN.md §6: DELETE /admin/v1/principals/{id}/sessions ends every live session of that principal only, 200 with the reports', async () => {
    const a1 = await session(h.app, APP_REDIRECT);
    const a2 = await session(h.spa, SPA_REDIRECT);
    const b = await session(h.app, APP_REDIRECT, BOB);
    const res = await admin(`/admin/v1/principals/${a1.sub}/sessions`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.principalId).toBe(a1.sub);
    const bySid = Object.fromEntries(body.ended.map((r: { sid: string }) => [r.sid, r]));
    expect(bySid[a1.sid]).toMatchObject({ principalId: a1.sub, reason: 'admin', clients: ['app'] });
    expect(bySid[a2.sid]).toMatchObject({ principalId: a1.sub, reason: 'admin', clients: ['spa'] });
    expect(bySid[b.sid]).toBeUndefined();
    expect([await userinfoStatus(a1.accessToken), await userinfoStatus(a2.accessToken), await userinfoStatus(b.accessToken)]).toEqual([401, 401, 200]);
    const list = await json(await admin(`/admin/v1/principals/${a1.sub}/sessions`));
    expect(list.sessions.filter((x: { state: string }) => x.state === 'live')).toEqual([]);
    const again = await json(await admin(`/admin/v1/principals/${a1.sub}/sessions`, { method: 'DELETE' }));
    expect(again.ended).toEqual([]);
  });

  it('bad input: a malformed id is 400 request.invalid, an unknown principal or session 404 admin.not_found, another method 405 with Allow', async () => {
    const cases: Array<[string, RequestInit, number, string]> = [
      ['/admin/v1/sessions/not-a-uuid', {}, 400, 'request.invalid'],
      ["/admin/v1/principals/1'%20OR%201=1/sessions", { method: 'DELETE' }, 400, 'request.invalid'],
      [`/admin/v1/sessions/${UNKNOWN}`, {}, 404, 'admin.not_found'],
      [`/admin/v1/sessions/${UNKNOWN}`, { method: 'DELETE' }, 404, 'admin.not_found'],
      [`/admin/v1/principals/${UNKNOWN}/sessions`, {}, 404, 'admin.not_found'],
      [`/admin/v1/principals/${UNKNOWN}/sessions`, { method: 'DELETE' }, 404, 'admin.not_found'],
      ['/admin/v1/unknown', {}, 404, 'admin.not_found'],
      [`/admin/v1/sessions/${UNKNOWN}`, { method: 'PUT' }, 405, 'request.method_not_allowed'],
    ];
    for (const [path, init, status, code] of cases) {
      const res = await admin(path, init);
      expect({ path, method: init.method ?? 'GET', status: res.status, body: await json(res) }).toMatchObject({ path, status, body: { error_description: code } });
      if (status === 405) expect(res.headers.get('allow')).toBe('GET, DELETE');
    }
  });

  it('OpenAPI (@nestjs/swagger): /docs-json lists the admin paths and declares bearer auth; /docs serves the UI with its own scripts only', async () => {
    const res = await fetch(`${h.issuer}/docs-json`);
    expect(res.status).toBe(200);
    const doc = await json(res);
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/admin/v1/bindings', '/admin/v1/bindings/{id}', '/admin/v1/principals/{id}/sessions', '/admin/v1/roles', '/admin/v1/roles/{name}', '/admin/v1/sessions/{id}']));
    expect(Object.keys(doc.paths['/admin/v1/principals/{id}/sessions']).sort()).toEqual(['delete', 'get']);
    expect(Object.keys(doc.paths['/admin/v1/sessions/{id}']).sort()).toEqual(['delete', 'get']);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/admin/v1/sessions/{id}'].delete.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/admin/v1/sessions/{id}'].get.parameters[0]).toMatchObject({ name: 'id', in: 'path', schema: { format: 'uuid' } });
    expect(doc.components.schemas.AdminSessionDetailDto.properties.logoutReport).toBeDefined();
    const ui = await fetch(`${h.issuer}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger-ui-bundle.js');
    expect(ui.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(ui.headers.get('content-security-policy')).not.toContain("'unsafe-eval'");
    expect((await fetch(`${h.issuer}/docs/swagger-ui-bundle.js`)).status).toBe(200);
    // Every other page keeps the strict policy.
    expect((await fetch(`${h.issuer}/health`)).headers.get('content-security-policy')).toContain("default-src 'none'; style-src 'unsafe-inline'");
  });
});

describe('admin API without TESSERA_ADMIN_TOKEN (issue 7 item 4: no admin API at all)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ database: 'pglite' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each([
    ['GET', `/admin/v1/principals/${UNKNOWN}/sessions`],
    ['DELETE', `/admin/v1/sessions/${UNKNOWN}`],
    ['DELETE', `/admin/v1/principals/${UNKNOWN}/sessions`],
    ['GET', '/admin'],
    ['GET', '/docs'],
    ['GET', '/docs-json'],
  ])('%s %s is 404, with or without a bearer token', async (method, path) => {
    for (const headers of [{}, { authorization: 'Bearer anything' }] as Array<Record<string, string>>) {
      const res = await fetch(`${h.issuer}${path}`, { method, headers });
      expect(res.status).toBe(404);
      expect(res.headers.get('www-authenticate')).toBeNull();
    }
  });
});
