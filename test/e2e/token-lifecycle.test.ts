/**
 * Token lifecycle (issue 8; DESIGN.md §6 "Refresh token", "Grace window", "Any other reuse is
 * theft", "Revocation"; shared/bugs B18, B19, B50), on PGlite and — with DATABASE_URL — PostgreSQL.
 * openid-client is the app; raw form POSTs play attackers and racing clients.
 */
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { RACER_WINDOW_MS } from '../../src/tokens/refresh.rules';
import { SessionService } from '../../src/sessions/sessions.module';
import { startHarness, type Harness } from '../support/harness';
import { LogoutReceiver, OffsetClock, callbackOf, formPost, loginTokens } from '../support/token-lifecycle';

jest.setTimeout(120_000);

const backends: Array<'pglite' | 'auto'> = process.env.DATABASE_URL ? ['pglite', 'auto'] : ['pglite'];

describe.each(backends)('token lifecycle (database: %s)', (database) => {
  const logout = new LogoutReceiver();
  const clock = new OffsetClock();
  let h: Harness;
  const creds = (id: string) => ({ id, secret: id === 'app' ? h.appSecret : h.clientSecrets[id] });
  const refresh = (id: string, token: string, base = h.issuer, extra: Record<string, string> = {}) => formPost(base, '/oauth2/token', creds(id), { grant_type: 'refresh_token', refresh_token: token, ...extra });
  const introspect = (id: string, token: string) => formPost(h.issuer, '/oauth2/introspect', creds(id), { token });
  const revoke = (id: string, token: string) => formPost(h.issuer, '/oauth2/revoke', creds(id), { token });
  /** Moves Tessera's clock past the grace window for `fn`, then back. */
  const afterWindow = async <T>(seconds: number, fn: () => Promise<T>): Promise<T> => {
    clock.offsetMs += seconds * 1000;
    try {
      return await fn();
    } finally {
      clock.offsetMs -= seconds * 1000;
    }
  };

  beforeAll(async () => {
    await logout.start();
    h = await startHarness({
      database,
      clock,
      env: { TESSERA_BACKCHANNEL_RETRY_SECONDS: '1' },
      extraClients: [
        { id: 'graceful', redirectUris: [callbackOf('graceful')], backchannelLogoutUri: logout.url },
        { id: 'strict', redirectUris: [callbackOf('strict')], extraLines: ['refreshTokenGraceSeconds: 0'] },
        { id: 'server', redirectUris: [callbackOf('server')], extraLines: ['refreshReuseScope: family'] },
        { id: 'offline', redirectUris: [callbackOf('offline')], extraLines: ['offlineAccess: true', 'scopes: [openid, email, profile, offline_access]'] },
        { id: 'codeonly', redirectUris: [callbackOf('codeonly')], extraLines: ['grantTypes: [authorization_code]'] },
        { id: 'rs', redirectUris: [callbackOf('rs')], extraLines: ['revocationReceiver: true'] },
      ],
    });
  });
  afterAll(async () => {
    await h?.close();
    await logout.close();
  });

  it('RFC 8414 §2: discovery advertises revocation and introspection endpoints with their auth methods, and the refresh_token grant', async () => {
    const meta = (await (await fetch(`${h.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({
      revocation_endpoint: `${h.issuer}/oauth2/revoke`,
      introspection_endpoint: `${h.issuer}/oauth2/introspect`,
      revocation_endpoint_auth_methods_supported: expect.arrayContaining(['client_secret_basic']),
      introspection_endpoint_auth_methods_supported: expect.arrayContaining(['client_secret_basic']),
    });
    expect(meta.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));
  });

  it('RFC 6749 §6, DESIGN.md §6: the code exchange gives a 256-bit opaque refresh token; openid-client refreshes and every refresh rotates', async () => {
    const { tokens } = await loginTokens(h, 'graceful');
    expect(tokens.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await h.dataSource.query(`SELECT token_hash FROM refresh_tokens WHERE token_hash = encode(sha256($1::bytea), 'base64')`, [tokens.refresh_token]);
    expect(stored).toHaveLength(0); // not stored in clear (nor as plain base64 sha256); the hash is base64url
    const next = await oidc.refreshTokenGrant(h.clients.graceful, tokens.refresh_token!);
    expect(next.refresh_token).toBeDefined();
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    const third = await oidc.refreshTokenGrant(h.clients.graceful, next.refresh_token!);
    const info = await fetch(`${h.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${third.access_token}` } });
    expect(info.status).toBe(200);
    const gens = (await h.dataSource.query(
      `SELECT generation, state FROM refresh_tokens WHERE family_id = (SELECT family_id FROM refresh_tokens GROUP BY family_id ORDER BY max(created_at) DESC LIMIT 1) ORDER BY generation`,
    )) as Array<{ generation: number; state: string }>;
    expect(gens.map((g) => [g.generation, g.state])).toEqual([[0, 'rotated'], [1, 'rotated'], [2, 'active']]);
  });

  it('B19: twenty parallel refreshes of one token inside the grace window all get the SAME successor; nothing is revoked', async () => {
    const { tokens } = await loginTokens(h, 'graceful');
    const results = await Promise.all(Array.from({ length: 20 }, () => refresh('graceful', tokens.refresh_token!)));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    const successors = new Set(results.map((r) => r.body.refresh_token));
    expect(successors.size).toBe(1);
    expect(new Set(results.map((r) => r.body.access_token)).size).toBe(20); // a fresh access token each
    const [successor] = [...successors];
    expect((await introspect('graceful', successor)).body.active).toBe(true);
    expect((await refresh('graceful', successor)).status).toBe(200);
  });

  it('DESIGN.md §6: more than 10 grace replays of one rotated token (sent after its rotation) are theft', async () => {
    const { tokens } = await loginTokens(h, 'server');
    const first = await refresh('server', tokens.refresh_token!);
    clock.offsetMs += RACER_WINDOW_MS + 500; // past the racer window: these are replays, not parallel racers (B19)
    for (let i = 0; i < 10; i++) expect((await refresh('server', tokens.refresh_token!)).body.refresh_token).toBe(first.body.refresh_token);
    const eleventh = await refresh('server', tokens.refresh_token!);
    clock.offsetMs -= RACER_WINDOW_MS + 500;
    expect(eleventh).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: 'token.refresh_invalid' } });
    expect((await refresh('server', first.body.refresh_token)).status).toBe(400);
  });

  it('B50 (a): with grace 0, twenty parallel refreshes of one token give exactly one 200 and nineteen invalid_grant; at most one new member exists', async () => {
    const { tokens } = await loginTokens(h, 'strict');
    const results = await Promise.all(Array.from({ length: 20 }, () => refresh('strict', tokens.refresh_token!)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const refused = results.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(19);
    expect(refused.every((r) => r.status === 400 && r.body.error === 'invalid_grant')).toBe(true);
    const rows = (await h.dataSource.query(`SELECT count(*)::int AS n FROM refresh_tokens WHERE parent_hash IS NOT NULL AND family_id IN (SELECT family_id FROM refresh_tokens WHERE client_id = 'strict' AND parent_hash IS NULL ORDER BY created_at DESC LIMIT 1)`)) as Array<{ n: number }>;
    expect(rows[0].n).toBe(1);
  });

  it('B50 (b): RT2 → RT3 rotated within one second, then RT2 replayed (grace 0) → invalid_grant; "newest" is the generation, not iat', async () => {
    const { tokens } = await loginTokens(h, 'strict');
    const rt2 = (await refresh('strict', tokens.refresh_token!)).body.refresh_token as string;
    const rt3 = (await refresh('strict', rt2)).body.refresh_token as string;
    expect(rt3).toBeDefined();
    expect(await refresh('strict', rt2)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await introspect('strict', rt3)).body).toEqual({ active: false });
  });

  it('DESIGN.md §6, B19: a replay after the grace window revokes the family and the session; the app receives the back-channel logout token; the error reads like an unknown token', async () => {
    const { tokens } = await loginTokens(h, 'graceful');
    const sid = tokens.claims()!.sid as string;
    const rt2 = (await refresh('graceful', tokens.refresh_token!)).body.refresh_token as string;
    const replay = await afterWindow(31, () => refresh('graceful', tokens.refresh_token!));
    const unknown = await refresh('graceful', 'A'.repeat(43));
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual(unknown.body);
    expect((await refresh('graceful', rt2)).status).toBe(400);
    expect((await introspect('graceful', rt2)).body).toEqual({ active: false });
    expect((await introspect('graceful', tokens.access_token)).body).toEqual({ active: false });
    await logout.waitFor((t) => t.some((lt) => jose.decodeJwt(lt).sid === sid));
    const lt = logout.tokens.find((x) => jose.decodeJwt(x).sid === sid)!;
    await jose.jwtVerify(lt, jose.createRemoteJWKSet(new URL(`${h.issuer}/oauth2/jwks`)), { issuer: h.issuer, audience: 'graceful', typ: 'logout+jwt' });
    const audit = (await h.dataSource.query(`SELECT type FROM audit_events WHERE type IN ('token.refresh_reused', 'session.ended') AND (details->>'sid') = $1`, [sid])) as Array<{ type: string }>;
    expect(audit.map((a) => a.type).sort()).toEqual(['session.ended', 'token.refresh_reused']);
  });

  it('B18: with refreshReuseScope family, a replay revokes only that family; another tab\'s family and both sessions live on', async () => {
    const a = await loginTokens(h, 'server');
    const b = await loginTokens(h, 'server');
    const a2 = (await refresh('server', a.tokens.refresh_token!)).body.refresh_token as string;
    expect((await afterWindow(31, () => refresh('server', a.tokens.refresh_token!))).status).toBe(400);
    expect((await refresh('server', a2)).status).toBe(400);
    const b2 = await refresh('server', b.tokens.refresh_token!);
    expect(b2.status).toBe(200);
    const revoked = (await h.dataSource.query(`SELECT id FROM refresh_families WHERE client_id = 'server' AND revoked_at IS NOT NULL AND session_id IN ($1, $2)`, [a.tokens.claims()!.sid, b.tokens.claims()!.sid])) as Array<{ id: string }>;
    expect(revoked).toHaveLength(1);
    const live = await h.dataSource.query(`SELECT id FROM broker_sessions WHERE id IN ($1, $2) AND ended_at IS NULL`, [a.tokens.claims()!.sid, b.tokens.claims()!.sid]);
    expect(live).toHaveLength(2);
  });

  it('issue 8 Bad input: a refresh with another client\'s credentials is invalid_grant and leaves the family untouched', async () => {
    const { tokens } = await loginTokens(h, 'graceful');
    expect(await refresh('server', tokens.refresh_token!)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await refresh('graceful', tokens.refresh_token!)).status).toBe(200);
  });

  it.each([
    ['oversized', 'x'.repeat(10_000)],
    ['non-ASCII', 'ä'.repeat(43)],
    ['malformed', 'not a token'],
    ['a JWT-looking string', 'a.b.c'],
  ])('issue 8 Bad input: a %s token gets an OAuth error or inactive at every endpoint, never a 500', async (_name, token) => {
    expect((await refresh('graceful', token)).body.error).toBe('invalid_grant');
    expect(await introspect('graceful', token)).toMatchObject({ status: 200, body: { active: false } });
    expect((await revoke('graceful', token)).status).toBe(200);
  });

  it('RFC 7009 §2.1: revoking a refresh token revokes its family and the access tokens minted in it; no other family, session or client is touched', async () => {
    const mine = await loginTokens(h, 'graceful');
    const other = await loginTokens(h, 'graceful');
    const rt2 = await refresh('graceful', mine.tokens.refresh_token!);
    // Another client may not revoke it: 200, nothing happens.
    expect((await revoke('server', rt2.body.refresh_token)).status).toBe(200);
    expect((await introspect('graceful', rt2.body.refresh_token)).body.active).toBe(true);
    expect((await revoke('graceful', rt2.body.refresh_token)).status).toBe(200);
    expect((await refresh('graceful', rt2.body.refresh_token)).status).toBe(400);
    expect((await introspect('graceful', rt2.body.access_token)).body).toEqual({ active: false });
    expect((await fetch(`${h.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${rt2.body.access_token}` } })).status).toBe(401);
    expect((await refresh('graceful', other.tokens.refresh_token!)).status).toBe(200);
    expect((await h.dataSource.query(`SELECT 1 FROM broker_sessions WHERE id = $1 AND ended_at IS NULL`, [mine.tokens.claims()!.sid])).length).toBe(1);
    expect((await revoke('graceful', 'B'.repeat(43))).status).toBe(200); // unknown: 200 (RFC 7009 §2.2)
  });

  it('RFC 7009 §2.1: revoking an access token by jti — userinfo and introspection refuse it at once', async () => {
    const { tokens } = await loginTokens(h, 'graceful');
    expect((await introspect('graceful', tokens.access_token)).body).toMatchObject({ active: true, client_id: 'graceful', token_type: 'Bearer', sid: tokens.claims()!.sid });
    expect((await revoke('graceful', tokens.access_token)).status).toBe(200);
    expect((await introspect('graceful', tokens.access_token)).body).toEqual({ active: false });
    expect((await fetch(`${h.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(401);
  });

  it('B50 (c): a revoke racing a refresh of the same token wins — nothing minted from it survives', async () => {
    for (let i = 0; i < 3; i++) {
      const { tokens } = await loginTokens(h, 'graceful');
      const [, refreshed] = await Promise.all([revoke('graceful', tokens.refresh_token!), refresh('graceful', tokens.refresh_token!)]);
      if (refreshed.status === 200) {
        expect((await introspect('graceful', refreshed.body.access_token)).body).toEqual({ active: false });
        expect((await introspect('graceful', refreshed.body.refresh_token)).body).toEqual({ active: false });
      }
      const fam = (await h.dataSource.query(`SELECT revoked_at FROM refresh_families f JOIN refresh_tokens t ON t.family_id = f.id WHERE t.token_hash = $1`, [sha256(tokens.refresh_token!)])) as Array<{ revoked_at: Date | null }>;
      expect(fam[0].revoked_at).not.toBeNull();
    }
  });

  it('RFC 7662 §2.2: introspection is active with sub, client_id, scope, exp, iat, sid, token_type; inactive for another client or an unknown token', async () => {
    const { tokens } = await loginTokens(h, 'graceful');
    const rt = await introspect('graceful', tokens.refresh_token!);
    expect(rt.body).toMatchObject({ active: true, token_type: 'refresh_token', sub: tokens.claims()!.sub, client_id: 'graceful', scope: 'openid email profile', sid: tokens.claims()!.sid });
    expect(rt.body.exp).toEqual(expect.any(Number));
    expect(rt.body.iat).toEqual(expect.any(Number));
    expect(rt.headers.get('cache-control')).toBe('no-store');
    expect((await introspect('server', tokens.refresh_token!)).body).toEqual({ active: false });
    expect((await introspect('server', tokens.access_token)).body).toEqual({ active: false });
    const anonymous = await fetch(`${h.issuer}/oauth2/introspect`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${tokens.access_token}` });
    expect(anonymous.status).toBe(401);
  });

  it('RFC 6749 §4.1.2: a replayed authorization code revokes the tokens already issued from it', async () => {
    const { tokens, code, verifier, redirect } = await loginTokens(h, 'graceful');
    const again = await formPost(h.issuer, '/oauth2/token', creds('graceful'), { grant_type: 'authorization_code', code, redirect_uri: redirect, code_verifier: verifier });
    expect(again.body.error).toBe('invalid_grant');
    expect((await introspect('graceful', tokens.access_token)).body).toEqual({ active: false });
    expect((await refresh('graceful', tokens.refresh_token!)).status).toBe(400);
  });

  it('DESIGN.md §6: session-bound families die with the session (logout ends refresh); offline_access families outlive it', async () => {
    const bound = await loginTokens(h, 'graceful');
    const offline = await loginTokens(h, 'offline', { scope: 'openid email offline_access' });
    const admin = h.tessera.app.get(SessionService);
    await admin.end(bound.tokens.claims()!.sid as string, 'admin');
    await admin.end(offline.tokens.claims()!.sid as string, 'admin');
    expect((await refresh('graceful', bound.tokens.refresh_token!)).status).toBe(400);
    const off = await refresh('offline', offline.tokens.refresh_token!);
    expect(off.status).toBe(200);
    expect(jose.decodeJwt(off.body.access_token).sid).toBeUndefined();
    expect((await fetch(`${h.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${off.body.access_token}` } })).status).toBe(200);
  });

  it('RFC 7591 grant_types: a client without refresh_token gets no refresh token and may not use the grant', async () => {
    const { tokens } = await loginTokens(h, 'codeonly');
    expect(tokens.refresh_token).toBeUndefined();
    expect((await refresh('codeonly', 'A'.repeat(43))).body.error).toBe('unauthorized_client');
  });

  it('DESIGN.md §6 Revocation: GET /revocations?since= and CAEP session-revoked SETs (RFC 8417, RFC 8936 poll) for receivers only', async () => {
    const { tokens } = await loginTokens(h, 'graceful');
    const sid = tokens.claims()!.sid as string;
    const basic = (id: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${creds(id).secret}`).toString('base64')}` });
    const before = (await (await fetch(`${h.issuer}/revocations`, { headers: basic('rs') })).json()) as { next: string };
    await h.tessera.app.get(SessionService).end(sid, 'admin');
    const feed = (await (await fetch(`${h.issuer}/revocations?since=${before.next}`, { headers: basic('rs') })).json()) as { events: Array<{ kind: string; subject: string; seq: string }> };
    expect(feed.events.map((e) => [e.kind, e.kind === 'session' ? e.subject : 'family'])).toEqual(expect.arrayContaining([['session', sid], ['family', 'family']]));
    expect((await fetch(`${h.issuer}/revocations`, { headers: basic('graceful') })).status).toBe(403);
    expect((await fetch(`${h.issuer}/revocations`)).status).toBe(401);
    const poll = await fetch(`${h.issuer}/revocations/caep/poll`, { method: 'POST', headers: { ...basic('rs'), 'content-type': 'application/json' }, body: JSON.stringify({ ack: [before.next] }) });
    const { sets } = (await poll.json()) as { sets: Record<string, string> };
    const verified = await Promise.all(Object.values(sets).map((s) => jose.jwtVerify(s, jose.createRemoteJWKSet(new URL(`${h.issuer}/oauth2/jwks`)), { issuer: h.issuer, audience: 'rs', typ: 'secevent+jwt' })));
    expect(verified.some((v) => (v.payload.sub_id as { id: string }).id === sid && 'https://schemas.openid.net/secevent/caep/event-type/session-revoked' in (v.payload.events as object))).toBe(true);
  });
});

function sha256(s: string): string {
  return require('node:crypto').createHash('sha256').update(s, 'utf8').digest('base64url');
}
