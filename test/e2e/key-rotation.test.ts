/**
 * Signing-key rotation with overlap (issue 8 item 8; DESIGN.md §6 "Keys"; shared/bugs B48, B49),
 * on PGlite and — with DATABASE_URL — PostgreSQL with two instances. Tessera's clock is moved
 * forward past the pre-publication and retirement periods instead of waiting.
 */
import * as jose from 'jose';
import * as oidc from 'openid-client';
import type { RunningTessera } from '../../src/bootstrap';
import { JWKS_MAX_AGE_SECONDS, KeyStore, PRE_PUBLICATION_SECONDS, RETIRED_PUBLICATION_SECONDS } from '../../src/tokens/tokens.module';
import { startHarness, type Harness } from '../support/harness';
import { OffsetClock, callbackOf, loginTokens } from '../support/token-lifecycle';

jest.setTimeout(180_000);

const backends: Array<'pglite' | 'auto'> = process.env.DATABASE_URL ? ['pglite', 'auto'] : ['pglite'];

describe.each(backends)('signing-key rotation (database: %s)', (database) => {
  const clock = new OffsetClock();
  let h: Harness;
  let b: RunningTessera | undefined;
  const jwks = async (base = h.issuer) => {
    const res = await fetch(`${base}/oauth2/jwks`);
    return { set: (await res.json()) as jose.JSONWebKeySet, cacheControl: res.headers.get('cache-control') };
  };
  /** openid-client for `rp`, its clock moved with Tessera's (OIDC Core §3.1.3.7 iat checks). */
  const rp = () => {
    const config = new oidc.Configuration(h.clients.rp.serverMetadata(), 'rp', { client_secret: h.clientSecrets.rp, id_token_signed_response_alg: 'ES256', [oidc.clockSkew]: Math.round(clock.offsetMs / 1000) }, oidc.ClientSecretBasic(h.clientSecrets.rp));
    oidc.allowInsecureRequests(config);
    return config;
  };

  beforeAll(async () => {
    h = await startHarness({
      database,
      clock,
      env: { TESSERA_SESSION_IDLE_SECONDS: '86400', TESSERA_SESSION_ABSOLUTE_SECONDS: '2592000' },
      extraClients: [{ id: 'rp', redirectUris: [callbackOf('rp')], idTokenSignedResponseAlg: 'ES256', extraLines: ['idTokenOnRefresh: true'] }],
    });
    if (database === 'auto') b = await h.startAnotherInstance();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('B48: JWKS max-age is shorter than the pre-publication period and holds no private parameter', async () => {
    const { set, cacheControl } = await jwks();
    expect(cacheControl).toBe(`public, max-age=${JWKS_MAX_AGE_SECONDS}`);
    expect(JWKS_MAX_AGE_SECONDS).toBeLessThan(PRE_PUBLICATION_SECONDS);
    expect(set.keys.every((k) => !('d' in k) && !('p' in k) && !('q' in k))).toBe(true);
  });

  it('B48: a rotated key is published at once but signs only after the pre-publication; the old key stays until its tokens expired; openid-client keeps refreshing and verifying throughout', async () => {
    const { tokens } = await loginTokens(h, 'rp');
    const keys = h.tessera.app.get(KeyStore);
    const oldKid = jose.decodeProtectedHeader(tokens.id_token!).kid;
    const newKid = await keys.rotate('ES256');
    expect(newKid).toBeDefined();
    // A resource server caches the JWKS now, for its max-age…
    const cached = jose.createLocalJWKSet((await jwks()).set);
    expect((await jwks()).set.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
    let refreshToken = tokens.refresh_token!;
    const step = async () => {
      const next = await oidc.refreshTokenGrant(rp(), refreshToken); // verifies the ID token against the JWKS
      refreshToken = next.refresh_token!;
      await jose.jwtVerify(next.access_token, cached, { issuer: h.issuer, currentDate: clock.now() });
      return jose.decodeProtectedHeader(next.access_token).kid;
    };
    expect(await step()).toBe(oldKid); // t=0: still signed with the old key
    await keys.runDue();
    expect(await step()).toBe(oldKid);
    clock.offsetMs += (PRE_PUBLICATION_SECONDS + 1) * 1000;
    await keys.runDue();
    expect(await step()).toBe(newKid); // …and the new kid verifies against the JWKS it cached before
    const during = (await jwks()).set.keys.map((k) => k.kid);
    expect(during).toEqual(expect.arrayContaining([oldKid, newKid]));
    clock.offsetMs += (RETIRED_PUBLICATION_SECONDS + 1) * 1000;
    await keys.runDue();
    expect((await jwks()).set.keys.map((k) => k.kid)).not.toContain(oldKid);
    expect(await step()).toBe(newKid);
  });

  if (database === 'auto') {
    it('B49: two instances rotating and activating at once make one next key and one active key per algorithm; the JWKS is never empty', async () => {
      const stores = [h.tessera.app.get(KeyStore), b!.app.get(KeyStore)];
      let polling = true;
      const sizes: number[] = [];
      const poll = (async () => {
        while (polling) for (const base of [h.issuer, b!.url]) sizes.push((await jwks(base)).set.keys.length);
      })();
      const kids = await Promise.all([...stores, ...stores].map((s) => s.rotate('RS256')));
      expect(kids.filter((k) => k !== undefined)).toHaveLength(1);
      clock.offsetMs += (PRE_PUBLICATION_SECONDS + 1) * 1000;
      await Promise.all([...stores, ...stores].map((s) => s.runDue()));
      polling = false;
      await poll;
      expect(sizes.length).toBeGreaterThan(0);
      expect(sizes.every((n) => n >= 2)).toBe(true);
      const rows = (await h.dataSource.query(`SELECT alg, state, count(*)::int AS n FROM signing_keys WHERE state IN ('active', 'next') GROUP BY alg, state ORDER BY alg, state`)) as Array<{ alg: string; state: string; n: number }>;
      expect(rows).toEqual([
        { alg: 'ES256', state: 'active', n: 1 },
        { alg: 'RS256', state: 'active', n: 1 },
      ]);
      await stores[1].load();
      const [ja, jb] = await Promise.all([jwks(h.issuer), jwks(b!.url)]);
      expect(jb.set.keys.map((k) => k.kid).sort()).toEqual(ja.set.keys.map((k) => k.kid).sort());
      expect(ja.set.keys.map((k) => k.kid)).toContain(kids.find((k) => k !== undefined));
    });
  }
});
