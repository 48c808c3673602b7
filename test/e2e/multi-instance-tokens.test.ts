/**
 * Token lifecycle across two Tessera instances on one PostgreSQL database (issue 8 Tests; DESIGN.md
 * §8; shared/bugs B19, B50): the 20-way refresh race split over both instances, a session revoked
 * on A refused on B, and — fast-check — no interleaving of refresh/replay/revoke on one family
 * yields two live chains. Runs where DATABASE_URL names a PostgreSQL server (jest.config.js).
 */
import * as fc from 'fast-check';
import type { RunningTessera } from '../../src/bootstrap';
import { SessionService } from '../../src/sessions/sessions.module';
import { startHarness, type Harness } from '../support/harness';
import { callbackOf, formPost, loginTokens } from '../support/token-lifecycle';

jest.setTimeout(180_000);

describe('token lifecycle on two instances (PostgreSQL)', () => {
  let h: Harness;
  let b: RunningTessera;
  const creds = (id: string) => ({ id, secret: h.clientSecrets[id] });
  const refresh = (base: string, id: string, token: string) => formPost(base, '/oauth2/token', creds(id), { grant_type: 'refresh_token', refresh_token: token });
  const introspect = (base: string, id: string, token: string) => formPost(base, '/oauth2/introspect', creds(id), { token });
  const revoke = (base: string, id: string, token: string) => formPost(base, '/oauth2/revoke', creds(id), { token });

  beforeAll(async () => {
    h = await startHarness({
      database: 'auto',
      extraClients: [
        { id: 'graceful', redirectUris: [callbackOf('graceful')] },
        { id: 'strict', redirectUris: [callbackOf('strict')], extraLines: ['refreshTokenGraceSeconds: 0'] },
      ],
    });
    b = await h.startAnotherInstance();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('B19: twenty parallel refreshes of one token split over two instances all get the same successor; the family is not revoked', async () => {
    const { tokens } = await loginTokens(h, 'graceful');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => refresh(i % 2 ? b.url : h.issuer, 'graceful', tokens.refresh_token!)));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(new Set(results.map((r) => r.body.refresh_token)).size).toBe(1);
    const successor = results[0].body.refresh_token as string;
    expect((await refresh(b.url, 'graceful', successor)).status).toBe(200);
    const revoked = await h.dataSource.query(`SELECT 1 FROM refresh_families WHERE revoked_at IS NOT NULL AND client_id = 'graceful'`);
    expect(revoked).toHaveLength(0);
  });

  it('B50 (a): with grace 0, twenty parallel refreshes over two instances: exactly one 200, nineteen invalid_grant, never a 5xx', async () => {
    const { tokens } = await loginTokens(h, 'strict');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => refresh(i % 2 ? b.url : h.issuer, 'strict', tokens.refresh_token!)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 400 && r.body.error === 'invalid_grant')).toHaveLength(19);
  });

  it('DESIGN.md §6 Revocation: a session ended on instance A is refused by userinfo and introspection on instance B', async () => {
    const { tokens } = await loginTokens(h, 'graceful');
    expect((await introspect(b.url, 'graceful', tokens.access_token)).body.active).toBe(true);
    await h.tessera.app.get(SessionService).end(tokens.claims()!.sid as string, 'admin');
    // B's deny set hears the NOTIFY; poll until it does (bounded: the catch-up poll runs every second).
    const until = Date.now() + 3000;
    let info = await fetch(`${b.url}/oauth2/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    while (info.status === 200 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
      info = await fetch(`${b.url}/oauth2/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    }
    expect(info.status).toBe(401);
    expect((await introspect(b.url, 'graceful', tokens.access_token)).body).toEqual({ active: false });
    expect((await refresh(b.url, 'graceful', tokens.refresh_token!)).status).toBe(400);
  });

  it('B50, fast-check: no interleaving of refresh, replay and revoke calls on one family (both instances) yields two live chains', async () => {
    type Op = { kind: 'refresh-newest' | 'replay-oldest' | 'replay-previous' | 'revoke-newest'; instance: 0 | 1; client: 'graceful' | 'strict' };
    const op = fc.record({
      kind: fc.constantFrom<Op['kind']>('refresh-newest', 'refresh-newest', 'replay-oldest', 'replay-previous', 'revoke-newest'),
      instance: fc.constantFrom<0 | 1>(0, 1),
      client: fc.constant<'graceful' | 'strict'>('graceful'),
    });
    const { tokens: seed } = await loginTokens(h, 'graceful');
    const { tokens: seedStrict } = await loginTokens(h, 'strict');
    // Each run starts a new family from an existing session (a fresh login per run would be slow).
    const familyOf = async (client: 'graceful' | 'strict') => {
      const start = await refresh(h.issuer, client, client === 'graceful' ? seed.refresh_token! : seedStrict.refresh_token!);
      return start;
    };
    expect((await familyOf('graceful')).status).toBe(200);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }), fc.constantFrom<'graceful' | 'strict'>('graceful', 'strict'), async (batches, client) => {
        const { tokens } = await loginTokens(h, client);
        const chain: string[] = [tokens.refresh_token!];
        const minted: string[] = [];
        for (const batch of batches) {
          const results = await Promise.all(
            batch.map((o) => {
              const base = o.instance ? b.url : h.issuer;
              const newest = chain[chain.length - 1];
              if (o.kind === 'refresh-newest') return refresh(base, client, newest);
              if (o.kind === 'replay-oldest') return refresh(base, client, chain[0]);
              if (o.kind === 'replay-previous') return refresh(base, client, chain[Math.max(0, chain.length - 2)]);
              return revoke(base, client, newest);
            }),
          );
          for (const r of results) {
            expect(r.status).toBeLessThan(500);
            if (r.body?.refresh_token && !chain.includes(r.body.refresh_token)) chain.push(r.body.refresh_token);
            if (r.body?.access_token) minted.push(r.body.access_token);
          }
        }
        const fam = (await h.dataSource.query(`SELECT family_id FROM refresh_tokens WHERE token_hash = $1`, [hash(tokens.refresh_token!)])) as Array<{ family_id: string }>;
        const active = (await h.dataSource.query(`SELECT count(*)::int AS n FROM refresh_tokens WHERE family_id = $1 AND state = 'active'`, [fam[0].family_id])) as Array<{ n: number }>;
        expect(active[0].n).toBeLessThanOrEqual(1);
        const live = await Promise.all(chain.map((t) => introspect(h.issuer, client, t)));
        expect(live.filter((l) => l.body.active).length).toBeLessThanOrEqual(1);
        // A revoked family leaves no live access token behind either.
        const revoked = (await h.dataSource.query(`SELECT revoked_at FROM refresh_families WHERE id = $1`, [fam[0].family_id])) as Array<{ revoked_at: Date | null }>;
        if (revoked[0].revoked_at) {
          const at = await Promise.all(minted.map((t) => introspect(b.url, client, t)));
          expect(at.every((x) => x.body.active === false)).toBe(true);
        }
      }),
      { numRuns: 12 },
    );
  });
});

function hash(s: string): string {
  return require('node:crypto').createHash('sha256').update(s, 'utf8').digest('base64url');
}
