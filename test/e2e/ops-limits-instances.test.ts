/**
 * Issue 13 item 5 / DESIGN.md §8: the per-client limit is one budget across instances (counters
 * in PostgreSQL): requests spread over two Tessera instances on one database are refused once
 * their sum passes the limit, with 429, Retry-After and the OAuth JSON error body (RFC 6585 §4,
 * RFC 6749 §5.2 body shape).
 */
import type { RunningTessera } from '../../src/bootstrap';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(60_000);

const PER_CLIENT = 6;

describe('rate limits shared by two instances (issue 13 item 5, DESIGN.md §8)', () => {
  let h: Harness;
  let other: RunningTessera;
  beforeAll(async () => {
    h = await startHarness({ env: { TESSERA_RATE_LIMIT_PER_CLIENT: String(PER_CLIENT) } });
    other = await h.startAnotherInstance();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('the token endpoint refuses a client past its limit on whichever instance it asks: 429, Retry-After, temporarily_unavailable JSON', async () => {
    const token = (base: string) =>
      fetch(`${base}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`app:${h.appSecret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: 'c'.repeat(43), redirect_uri: APP_REDIRECT, code_verifier: 'v'.repeat(43) }),
      });
    const bases = [h.tessera.url, other.url];
    const statuses: number[] = [];
    for (let i = 0; i < PER_CLIENT; i++) statuses.push((await token(bases[i % 2])).status);
    expect(statuses).toEqual(Array(PER_CLIENT).fill(400)); // invalid_grant: counted, not limited
    for (const base of bases) {
      const refused = await token(base);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.headers.get('cache-control')).toBe('no-store');
      expect(await refused.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'limits.rate_limited' });
    }
    // Another client keeps its own budget.
    const spa = await fetch(`${other.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: 'spa', code: 'c'.repeat(43), redirect_uri: 'http://127.0.0.1:9/spa/callback', code_verifier: 'v'.repeat(43) }),
    });
    expect(spa.status).toBe(400);
  });
});
