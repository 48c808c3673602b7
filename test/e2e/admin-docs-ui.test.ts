/**
 * The admin API's OpenAPI documentation (issue 7 item 4: @nestjs/swagger, UI at /docs) in real
 * Chromium: the Swagger UI renders every admin operation under its Content-Security-Policy (its
 * own scripts from Tessera's origin, no inline script) without a CSP violation, and "Try it out"
 * reaches the API with the bearer token.
 */
import type { Browser as Chromium } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { startHarness, type Harness } from '../support/harness';

jest.setTimeout(120_000);

const TOKEN = 'docs-ui-admin-token';
let h: Harness;
let browser: Chromium;

beforeAll(async () => {
  h = await startHarness({ database: 'pglite', env: { TESSERA_ADMIN_TOKEN: TOKEN } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

it('the Swagger UI at /docs lists the admin operations with no CSP violation or script error', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${h.issuer}/docs`);
  await page.waitForSelector('.opblock-summary-path', { timeout: 30_000 });
  const operations = await page.$$eval('.opblock-summary', (els) =>
    els.map((e) => `${e.querySelector('.opblock-summary-method')?.textContent} ${e.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`),
  );
  expect(operations.sort()).toEqual(
    expect.arrayContaining([
      'DELETE /admin/v1/bindings/{id}',
      'DELETE /admin/v1/principals/{id}/sessions',
      'DELETE /admin/v1/roles/{name}',
      'DELETE /admin/v1/sessions/{id}',
      'GET /admin/v1/bindings',
      'GET /admin/v1/principals/{id}/sessions',
      'GET /admin/v1/roles',
      'GET /admin/v1/sessions/{id}',
      'POST /admin/v1/bindings',
      'POST /admin/v1/roles',
      // issue 10: principals, pending links, traces
      'GET /admin/v1/principals',
      'GET /admin/v1/principals/{id}',
      'DELETE /admin/v1/principals/{id}/identities/{identityId}',
      'GET /admin/v1/pending-links',
      'POST /admin/v1/pending-links/{id}/approve',
      'POST /admin/v1/pending-links/{id}/reject',
      'GET /admin/v1/traces/{id}',
    ]),
  );
  expect(await page.locator('.btn.authorize').count()).toBe(1);
  expect(problems).toEqual([]);

  // The page's own requests to the API are same-origin (connect-src 'self').
  const status = await page.evaluate(
    async ([issuer, token]) => (await fetch(`${issuer}/admin/v1/sessions/00000000-0000-4000-8000-000000000000`, { headers: { authorization: `Bearer ${token}` } })).status,
    [h.issuer, TOKEN] as const,
  );
  expect(status).toBe(404);
  // Chromium logs the 404 itself; nothing may have been refused by the policy.
  expect(problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
  await context.close();
});
