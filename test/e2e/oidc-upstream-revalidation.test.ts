/**
 * B20: upstream tokens are not refreshed on every downstream refresh. Only a provider with
 * `oidc.revalidateEverySeconds` is re-validated, at most once per interval, and concurrent
 * re-validations of one upstream grant are coalesced into one upstream call by a PostgreSQL
 * advisory lock (two instances on PostgreSQL; one instance on PGlite). The upstream OP rotates
 * refresh tokens and refuses reuse, as in the bug report.
 */
import { BrokerError, FixedClock } from '../../src/common';
import { UpstreamRevalidationService, type RevalidationOutcome } from '../../src/connectors/connectors.module';
import { appAuthorizationRequest } from '../support/app-login';
import { Browser } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';
import { startHostileOp, type HostileOp } from '../support/hostile-op';

jest.setTimeout(60_000);

describe('B20: upstream re-validation on downstream refresh', () => {
  let op: HostileOp;
  let plain: HostileOp;
  let h: Harness;
  let services: UpstreamRevalidationService[];
  const clock = new FixedClock(new Date());
  beforeAll(async () => {
    [op, plain] = [await startHostileOp(), await startHostileOp()];
    h = await startHarness({
      clock,
      extraProviders: [
        { id: 'reval', issuer: op.issuer, trustDomains: ['corp.example'], oidcLines: ['  revalidateEverySeconds: 60'] },
        { id: 'plain', issuer: plain.issuer, trustDomains: ['corp.example'] },
      ],
    });
    services = [h.tessera.app.get(UpstreamRevalidationService)];
    if (h.db.url) services.push((await h.startAnotherInstance()).app.get(UpstreamRevalidationService));
  });
  afterAll(async () => {
    await h?.close();
    await op?.close();
    await plain?.close();
  });

  async function login(through: HostileOp, providerId: string, sub: string): Promise<void> {
    through.behaviour = { idTokenClaims: { sub } };
    const request = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: providerId });
    const end = await new Browser().follow(request.url, { stopAt: [APP_REDIRECT] });
    expect(new URL(end.stoppedAt!).searchParams.get('code')).toBeTruthy();
  }
  const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof BrokerError ? e.code : String(e)));

  it('B20: a provider without revalidateEverySeconds is never refreshed upstream, and its refresh token is not kept', async () => {
    await login(plain, 'plain', 'p-1');
    clock.advance(61_000);
    expect(await services[0].revalidate({ providerId: 'plain', subject: 'p-1' })).toEqual({ kind: 'not-required' });
    expect(plain.refreshCalls).toBe(0);
    expect(await h.dataSource.query(`SELECT count(*)::int AS n FROM upstream_grants WHERE provider_id = 'plain'`)).toEqual([{ n: 0 }]);
  });

  it('B20: within the interval nothing is sent upstream; the refresh token is stored encrypted', async () => {
    await login(op, 'reval', 'u-1');
    const [row] = await h.dataSource.query(`SELECT refresh_token_jwe FROM upstream_grants WHERE provider_id = 'reval' AND subject = 'u-1'`);
    for (const live of op.liveRefreshTokens) expect(row.refresh_token_jwe).not.toContain(live);
    expect(row.refresh_token_jwe.split('.')).toHaveLength(5);
    expect(await services[0].revalidate({ providerId: 'reval', subject: 'u-1' })).toMatchObject({ kind: 'fresh' });
    expect(op.refreshCalls).toBe(0);
  });

  it('B20: 3 parallel downstream refreshes (across instances on PostgreSQL) → one upstream refresh, RT_up2 stored once, all succeed', async () => {
    clock.advance(61_000);
    const before = (await h.dataSource.query(`SELECT refresh_token_jwe FROM upstream_grants WHERE provider_id = 'reval' AND subject = 'u-1'`))[0].refresh_token_jwe;
    const outcomes: RevalidationOutcome[] = await Promise.all([0, 1, 2].map((i) => services[i % services.length].revalidate({ providerId: 'reval', subject: 'u-1' })));
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['fresh', 'fresh', 'revalidated']);
    expect(op.refreshCalls).toBe(1);
    const after = (await h.dataSource.query(`SELECT refresh_token_jwe FROM upstream_grants WHERE provider_id = 'reval' AND subject = 'u-1'`))[0].refresh_token_jwe;
    expect(after).not.toBe(before);
    // The stored token is the rotated one: the next interval refreshes again with success.
    clock.advance(61_000);
    expect(await services[0].revalidate({ providerId: 'reval', subject: 'u-1' })).toMatchObject({ kind: 'revalidated' });
    expect(op.refreshCalls).toBe(2);
  });

  it('B20: the upstream revokes the grant → invalid_grant for the app, the link marked for re-authentication, no more upstream calls', async () => {
    op.liveRefreshTokens.clear();
    clock.advance(61_000);
    const err = await services[0].revalidate({ providerId: 'reval', subject: 'u-1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BrokerError);
    expect(err).toMatchObject({ code: 'upstream.reauthentication_required', oauthError: 'invalid_grant' });
    expect(await h.dataSource.query(`SELECT needs_reauthentication FROM upstream_grants WHERE provider_id = 'reval' AND subject = 'u-1'`)).toEqual([{ needs_reauthentication: true }]);
    const calls = op.refreshCalls;
    expect(await codeOf(services[services.length - 1].revalidate({ providerId: 'reval', subject: 'u-1' }))).toBe('upstream.reauthentication_required');
    expect(op.refreshCalls).toBe(calls);
  });

  it('B20: signing in again upstream clears the mark', async () => {
    await login(op, 'reval', 'u-1');
    expect(await services[0].revalidate({ providerId: 'reval', subject: 'u-1' })).toMatchObject({ kind: 'fresh' });
  });

  it('B20: a user never seen at a re-validating provider is refused (no grant to stand behind)', async () => {
    expect(await codeOf(services[0].revalidate({ providerId: 'reval', subject: 'nobody' }))).toBe('upstream.reauthentication_required');
  });
});
