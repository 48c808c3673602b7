/**
 * DESIGN.md §6 "Revocation": an instance whose revocation feed has lagged past its bound fails
 * closed — userinfo, introspection and refresh answer 503 with Retry-After — until it has caught
 * up (issue 8 item 7). The bound is set low (TESSERA_REVOCATION_MAX_LAG_MS=300) and the feed's
 * poll is stopped to make this instance lag.
 */
import { RevocationFeed } from '../../src/tokens/tokens.module';
import { startHarness, type Harness } from '../support/harness';
import { callbackOf, formPost, loginTokens } from '../support/token-lifecycle';

jest.setTimeout(60_000);

describe('revocation feed lag: fail closed', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { TESSERA_REVOCATION_MAX_LAG_MS: '300' }, extraClients: [{ id: 'rp', redirectUris: [callbackOf('rp')] }] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('DESIGN.md §6: lagged past the bound → 503 temporarily_unavailable with Retry-After on userinfo, introspection and refresh; caught up → served again', async () => {
    const { tokens } = await loginTokens(h, 'rp');
    const creds = { id: 'rp', secret: h.clientSecrets.rp };
    const feed = h.tessera.app.get(RevocationFeed);
    await feed.onApplicationShutdown(); // the poll stops: nothing feeds the deny set any more
    await new Promise((r) => setTimeout(r, 400));
    expect(feed.caughtUp()).toBe(false);
    expect(feed.lagMs()).toBeGreaterThan(300);
    const info = await fetch(`${h.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(info.status).toBe(503);
    expect(info.headers.get('retry-after')).toBe('1');
    expect(await info.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'revocation.feed_lagged' });
    expect((await formPost(h.issuer, '/oauth2/introspect', creds, { token: tokens.access_token })).status).toBe(503);
    const refresh = await formPost(h.issuer, '/oauth2/token', creds, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! });
    expect(refresh.status).toBe(503);
    await feed.onApplicationBootstrap();
    await feed.catchUp();
    expect((await fetch(`${h.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(200);
    expect((await formPost(h.issuer, '/oauth2/token', creds, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! })).status).toBe(200);
  });
});
