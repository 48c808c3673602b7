/**
 * Issue 13 item 5, abuse limits at the edge: a browser may hold a bounded number of unfinished
 * logins; a flood of anonymous authorization requests from one address is cut off by the per-IP
 * limit (429, Retry-After, RFC 6585 §4) and grows the database by a bounded number of rows
 * (measured after 10,000 requests).
 */
import { appAuthorizationRequest } from '../support/app-login';
import { Browser } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(180_000);

const PER_IP = 300;
const MAX_OPEN = 5;

/** Rows of the tables a request to the authorization endpoint can write. */
async function rows(h: Harness): Promise<{ logins: number; audit: number; limits: number }> {
  const [r] = await h.dataSource.query(
    `SELECT (SELECT count(*) FROM login_transactions)::int AS logins, (SELECT count(*) FROM audit_events)::int AS audit, (SELECT count(*) FROM rate_limits)::int AS limits`,
  );
  return r;
}

describe('abuse limits (issue 13 item 5; RFC 6585 §4, RFC 6749 §4.1.2.1)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { TESSERA_RATE_LIMIT_PER_IP: String(PER_IP), TESSERA_MAX_OPEN_LOGINS_PER_BROWSER: String(MAX_OPEN) } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a browser holding the maximum of unfinished logins is refused another: 429, Retry-After, the error page with temporarily_unavailable', async () => {
    const browser = new Browser();
    for (let i = 0; i < MAX_OPEN; i++) {
      const res = await browser.fetch((await appAuthorizationRequest(h.app, APP_REDIRECT)).url);
      expect(res.status).toBe(303);
    }
    const refused = await browser.fetch((await appAuthorizationRequest(h.app, APP_REDIRECT)).url);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const page = await refused.text();
    expect(page).toContain('temporarily_unavailable');
    expect(page).toContain('limits.too_many_logins');
    // Another browser is not affected.
    expect((await new Browser().fetch((await appAuthorizationRequest(h.app, APP_REDIRECT)).url)).status).toBe(303);
  });

  it('10,000 anonymous authorization requests from one address: all past the limit get 429 + Retry-After, and the database grows by a bounded number of rows', async () => {
    const before = await rows(h);
    const url = (await appAuthorizationRequest(h.app, APP_REDIRECT)).url.href;
    const statuses = new Map<number, number>();
    let retryAfterMissing = 0;
    let next = 0;
    const worker = async () => {
      while (next < 10_000) {
        next++;
        const res = await fetch(url, { redirect: 'manual' });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 429 && !res.headers.get('retry-after')) retryAfterMissing++;
        await res.arrayBuffer();
      }
    };
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 32 }, worker));
    const after = await rows(h);
    // The limit is per window (60 s): a flood that outlasts one window gets one more allowance per window.
    const windows = 1 + Math.floor((Date.now() - t0) / 60_000);
    const accepted = statuses.get(303) ?? 0;
    expect(accepted + (statuses.get(429) ?? 0)).toBe(10_000);
    expect(accepted).toBeLessThanOrEqual(PER_IP * windows);
    expect(retryAfterMissing).toBe(0);
    // Each accepted request writes one login transaction and two audit events (login.started,
    // upstream.redirect); refused ones write nothing but one counter row per address.
    expect(after.logins - before.logins).toBeLessThanOrEqual(PER_IP * windows);
    expect(after.audit - before.audit).toBeLessThanOrEqual(2 * PER_IP * windows);
    expect(after.limits - before.limits).toBeLessThanOrEqual(2);
    process.stdout.write(`flood: 10000 requests → ${accepted} accepted; rows +${after.logins - before.logins} login_transactions, +${after.audit - before.audit} audit_events, +${after.limits - before.limits} rate_limits in ${Date.now() - t0} ms\n`);
  });
});
