/**
 * The demo walk a new user takes, in headless Chromium (playwright-core driving Debian's
 * /usr/bin/chromium; no browser is downloaded): `npm run demo`'s startDemo in-process, on free
 * ports and a throw-away PGlite database, with the repository's providers/ and clients/ files
 * (their ports rewritten). Asserts what the user sees — page text and the address bar — not
 * internals: sign in as alice, Reload, Back, an invalid sign-in link, error pages, the demo
 * opened on 127.0.0.1 instead of the issuer's host, and single sign-on and logout across the two
 * demo apps (/demo and /demo2), with the account page and the admin API's logout report.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startDemo, type RunningDemo } from '../../demo/run';
import { readableLogDestination } from '../../src/app/logging';
import { launchChromium } from '../support/chromium';
import { freePort } from '../support/ports';

const REPO = resolve(__dirname, '../..');

let demo: RunningDemo;
let issuer: string;
let port: number;
let configDir: string;
let browser: Browser;
const logLines: string[] = [];

/** The repository's configuration files with the demo's fixed ports replaced by free ones. */
function copyConfig(tesseraPort: number, upstreamPort: number): { providers: string; clients: string } {
  configDir = mkdtempSync(join(tmpdir(), 'tessera-demo-walk-'));
  const dirs = { providers: join(configDir, 'providers'), clients: join(configDir, 'clients') };
  for (const [name, target] of Object.entries(dirs)) {
    mkdirSync(target);
    for (const file of readdirSync(join(REPO, name)).filter((f) => f.endsWith('.yaml'))) {
      const text = readFileSync(join(REPO, name, file), 'utf8')
        .replaceAll('localhost:3001', `localhost:${upstreamPort}`)
        .replaceAll('localhost:3000', `localhost:${tesseraPort}`);
      writeFileSync(join(target, file), text);
    }
  }
  return dirs;
}

beforeAll(async () => {
  port = await freePort();
  const upstreamPort = await freePort();
  const dirs = copyConfig(port, upstreamPort);
  issuer = `http://localhost:${port}`;
  demo = await startDemo(
    {
      TESSERA_ISSUER: issuer,
      PORT: String(port),
      DEMO_UPSTREAM_PORT: String(upstreamPort),
      TESSERA_DATA_DIR: 'memory://',
      TESSERA_PROVIDERS_DIR: dirs.providers,
      TESSERA_CLIENTS_DIR: dirs.clients,
      LOG_LEVEL: 'warn',
    },
    // The demo's own log format (readable lines, not pino's JSON), collected.
    { logDestination: readableLogDestination((line) => void logLines.push(line)) },
  );
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.close();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

/** The demo has two providers (demo-idp, demo-saml): the chooser asks which one; the walk takes the OIDC one. */
async function chooseDemoIdp(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Demo IdP', exact: true }).click();
}

/** What the user reads on the page. */
const text = (page: Page) => page.locator('body').innerText();

it('the demo prints the development-KEK warning as one readable line', () => {
  const warnings = logLines.filter((l) => l.includes('TESSERA_KEK'));
  expect(warnings).toEqual([
    expect.stringMatching(/^\d\d:\d\d:\d\d WARN  tessera: TESSERA_KEK is not set: signing keys are encrypted with the PUBLIC DEVELOPMENT KEY\. Never run like this in production\.\n$/),
  ]);
});

describe('the demo walk in Chromium', () => {
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    context = await browser.newContext();
    page = await context.newPage();
  });
  afterAll(async () => {
    await context?.close();
  });

  it('signs alice in: the claims page shows her email, at a clean address', async () => {
    await page.goto(`${issuer}/`);
    expect(page.url()).toBe(`${issuer}/demo/`);
    expect(await text(page)).toContain('Sign in through Tessera');
    await page.getByText('Sign in through Tessera').click();
    await chooseDemoIdp(page);
    await page.waitForSelector('input[name=username]');
    await page.fill('input[name=username]', 'alice');
    await page.fill('input[name=password]', 'alice-password');
    await Promise.all([page.waitForURL(`${issuer}/demo/`, { timeout: 20_000 }), page.click('button[type=submit]')]);
    const shown = await text(page);
    expect(shown).toContain('Signed in as Alice Anderson');
    expect(shown).toContain('alice@demo.tessera.test');
    expect(page.url()).not.toMatch(/[?&](code|state)=/);
  }, 60_000);

  it('Reload: still signed in, no error', async () => {
    await page.reload();
    const shown = await text(page);
    expect(shown).toContain('Signed in as Alice Anderson');
    expect(shown).not.toMatch(/sign-in failed|went wrong|not valid/i);
  }, 30_000);

  it('Back: no "Sign-in failed"; the used login page says the sign-in is finished; Forward is signed in', async () => {
    await page.goBack();
    // The history entry before the app's page is the IdP's login form, already used.
    const shown = await text(page);
    expect(shown).not.toContain('Sign-in failed');
    expect(shown).toContain('This sign-in is already finished');
    expect(shown).not.toMatch(/not found|could not continue/i);
    await page.goForward();
    expect(page.url()).toBe(`${issuer}/demo/`);
    expect(await text(page)).toContain('Signed in as Alice Anderson');
  }, 30_000);

  it('the callback address opened again (history, a bookmark) shows who is signed in, not an error', async () => {
    await page.goto(`${issuer}/demo/callback?code=used-before&state=old&iss=${encodeURIComponent(issuer)}`);
    expect(page.url()).toBe(`${issuer}/demo/`);
    expect(await text(page)).toContain('Signed in as Alice Anderson');
  }, 30_000);

  it('an error the app receives is shown with a plain sentence, the error and Tessera’s code', async () => {
    const other = await browser.newContext();
    try {
      const p = await other.newPage();
      await p.goto(`${issuer}/demo/callback?error=access_denied&error_description=authorization.denied&state=x`);
      const shown = await text(p);
      expect(shown).toContain('Sign-in failed');
      expect(shown).toContain('Your account is not allowed to use this app.');
      expect(shown).toContain('access_denied');
      expect(shown).toContain('authorization.denied');
    } finally {
      await other.close();
    }
  }, 30_000);
});

describe('Tessera’s error pages, as a user sees them', () => {
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    context = await browser.newContext();
    page = await context.newPage();
  });
  afterAll(async () => {
    await context?.close();
  });

  it('an invalid sign-in link: the plain explanation, the reference, a way back; no developer detail, no redirect', async () => {
    const res = await page.goto(`${issuer}/oauth2/authorize?client_id=demo-app&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`);
    expect(res?.status()).toBe(400);
    expect(new URL(page.url()).origin).toBe(issuer);
    const shown = await text(page);
    expect(shown).toContain('This sign-in link is not valid');
    expect(shown).toContain('The sign-in link would send you back to an address the application has not registered');
    expect(shown).toMatch(/Reference: [A-Za-z0-9_-]{8,}/);
    // The client's clientUri (clients/demo-app.yaml) is the way back.
    expect(shown).toContain('Back to Demo app');
    expect(await page.getByRole('link', { name: 'Back to Demo app' }).getAttribute('href')).toBe(`${issuer}/demo/`);
    expect(shown).toContain('invalid_request');
    expect(shown).toContain('client.redirect_uri_mismatch');
    expect(shown).not.toMatch(/is not registered for this client|redirect_uri is|evil\.example|at .*\.ts:\d+/);
  }, 30_000);

  it('a resume address without its token: "not in progress", never "expired"', async () => {
    await page.goto(`${issuer}/oauth2/authorize/resume`);
    const shown = await text(page);
    expect(shown).toContain('This sign-in is not in progress');
    expect(shown).toContain('login.transaction_unknown');
    expect(shown).not.toMatch(/expired|Page not found/i);
    expect(shown).toMatch(/Reference: \S+/);
  }, 30_000);

  it('a malformed request is called malformed, not expired', async () => {
    await page.setContent(`<form method="post" enctype="text/plain" action="${issuer}/oauth2/authorize"><input name="client_id" value="demo-app"><button>Send</button></form>`);
    const [res] = await Promise.all([page.waitForNavigation(), page.click('button')]);
    expect(res?.status()).toBe(400);
    const shown = await text(page);
    expect(shown).toContain('This address is malformed');
    expect(shown).toContain('request.invalid');
    expect(shown).not.toMatch(/expired|Page not found|x-www-form-urlencoded/i);
    expect(shown).toMatch(/Reference: \S+/);
  }, 30_000);

  it('a form sent to an address that only opens as a link: 405 with its own sentence', async () => {
    await page.setContent(`<form method="post" action="${issuer}/oauth2/authorize/resume"><button>Send</button></form>`);
    const [res] = await Promise.all([page.waitForNavigation(), page.click('button')]);
    expect(res?.status()).toBe(405);
    const shown = await text(page);
    expect(shown).toContain('This address cannot be used this way');
    expect(shown).not.toMatch(/Page not found/i);
    expect(shown).toMatch(/Reference: \S+/);
  }, 30_000);

  it('"Page not found" for an address with nothing behind it, with the reference', async () => {
    const res = await page.goto(`${issuer}/no-such-page`);
    expect(res?.status()).toBe(404);
    const shown = await text(page);
    expect(shown).toContain('Page not found');
    expect(shown).toMatch(/Reference: \S+/);
  }, 30_000);

  it('the detail of a refusal goes to the log, in one readable line with the same reference', async () => {
    await page.goto(`${issuer}/oauth2/authorize/resume`);
    const reference = /Reference: (\S+)/.exec(await text(page))![1];
    const logged = logLines.filter((l) => l.includes(reference));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^\d\d:\d\d:\d\d WARN  http: request refused GET \/oauth2\/authorize\/resume .*code=login\.transaction_unknown detail="resume token missing"/);
  }, 30_000);
});

describe('the demo opened on another host than the issuer’s', () => {
  it('http://127.0.0.1:<port> lands on the canonical host, and signing in from there works', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${port}/`);
      expect(page.url()).toBe(`${issuer}/demo/`);
      expect(await text(page)).toContain('Sign in through Tessera');
      await page.goto(`http://127.0.0.1:${port}/demo/`);
      expect(page.url()).toBe(`${issuer}/demo/`);
      await page.getByText('Sign in through Tessera').click();
      await chooseDemoIdp(page);
      await page.waitForSelector('input[name=username]');
      await page.fill('input[name=username]', 'bob');
      await page.fill('input[name=password]', 'bob-password');
      await Promise.all([page.waitForURL(`${issuer}/demo/`, { timeout: 20_000 }), page.click('button[type=submit]')]);
      expect(await text(page)).toContain('bob@demo.tessera.test');
    } finally {
      await context.close();
    }
  }, 60_000);
});

describe('single sign-on and logout across the two demo apps', () => {
  let context: BrowserContext;
  let page: Page;
  /** Every address the browser asked the upstream IdP for. */
  const upstreamRequests: string[] = [];
  let sid: string;

  beforeAll(async () => {
    context = await browser.newContext();
    page = await context.newPage();
    page.on('request', (r) => {
      if (r.url().startsWith(demo.upstream.issuer)) upstreamRequests.push(r.url());
    });
  });
  afterAll(async () => {
    await context?.close();
  });

  const shownSid = async () => (await page.locator('#sid').innerText()).trim();

  it('signs carol in at /demo; the page shows the Tessera session (sid) and links to /demo2 and the account page', async () => {
    await page.goto(`${issuer}/demo/`);
    await page.getByText('Sign in through Tessera').click();
    await chooseDemoIdp(page);
    await page.waitForSelector('input[name=username]');
    await page.fill('input[name=username]', 'carol');
    await page.fill('input[name=password]', 'carol-password');
    await Promise.all([page.waitForURL(`${issuer}/demo/`, { timeout: 20_000 }), page.click('button[type=submit]')]);
    expect(await text(page)).toContain('Signed in as Carol Clark');
    sid = await shownSid();
    expect(sid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(await page.locator('a[href="/demo2/"]').count()).toBe(1);
    expect(await page.locator(`a[href="${issuer}/account/sessions"]`).count()).toBe(1);
    expect(await text(page)).toContain(`curl -H "Authorization: Bearer demo-admin-token" ${issuer}/admin/v1/sessions/${sid}`);
  }, 60_000);

  it('/demo2 signs her in without the upstream form: same sid, another client', async () => {
    upstreamRequests.length = 0;
    await page.goto(`${issuer}/demo2/`);
    await page.waitForURL(`${issuer}/demo2/`, { timeout: 20_000 });
    const shown = await text(page);
    expect(shown).toContain('Signed in as Carol Clark');
    expect(shown).toContain('demo-app-2');
    expect(await shownSid()).toBe(sid);
    expect(upstreamRequests).toEqual([]);
  }, 60_000);

  it('"Sign out of this app only" at /demo2, then a third-party-initiated login brings her back without a form', async () => {
    await Promise.all([page.waitForURL(`${issuer}/demo2/?signed_out=app`), page.getByRole('button', { name: 'Sign out of this app only' }).click()]);
    // No silent sign-in right after signing out: the page says Tessera still knows her.
    expect(await text(page)).toContain('You signed out of this app only');
    upstreamRequests.length = 0;
    await page.goto(`${issuer}/login/initiate?client_id=demo-app-2`);
    await page.waitForURL(`${issuer}/demo2/`, { timeout: 20_000 });
    expect(await text(page)).toContain('Signed in as Carol Clark');
    expect(await shownSid()).toBe(sid);
    expect(upstreamRequests).toEqual([]);
  }, 60_000);

  it('the account page lists the session, this browser’s, with both apps', async () => {
    await page.goto(`${issuer}/account/sessions`);
    const shown = await text(page);
    expect(shown).toContain('Your sessions');
    expect(shown).toContain('This browser');
    expect(shown).toMatch(/Apps: demo-app, demo-app-2/);
    expect(await page.locator('input[name=sid]').first().getAttribute('value')).toBe(sid);
  }, 30_000);

  it('"Sign out" at /demo: back at /demo signed out, told which session ended', async () => {
    await page.goto(`${issuer}/demo/`);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    // Tessera may continue the logout at the upstream IdP, which asks first.
    await page.waitForURL((u) => u.href.startsWith(`${issuer}/demo/?`) || u.href.startsWith(demo.upstream.issuer), { timeout: 20_000 });
    if (page.url().startsWith(demo.upstream.issuer)) {
      await Promise.all([page.waitForURL(`${issuer}/demo/?**`, { timeout: 20_000 }), page.click('button[value=yes]')]);
    }
    expect(page.url()).toBe(`${issuer}/demo/?signed_out=${sid}`);
    const shown = await text(page);
    expect(shown).toContain('Sign in through Tessera');
    expect(shown).toContain(`Tessera ended session ${sid}`);
    expect(shown).not.toContain('Signed in as');
  }, 60_000);

  it('/demo2 is signed out too (back-channel logout), and Tessera has no session to sign in with silently', async () => {
    let shown = '';
    for (const deadline = Date.now() + 8_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
      await page.goto(`${issuer}/demo2/`);
      shown = await text(page);
      if (!shown.includes('Signed in as')) break;
    }
    expect(shown).toContain('Sign in through Tessera');
    expect(shown).toContain('login_required');
    expect(page.url()).toBe(`${issuer}/demo2/?silent=login_required`);
    await page.goto(`${issuer}/account/sessions`);
    expect(await text(page)).toContain('You are not signed in');
  }, 30_000);

  it('the admin API shows the ended session with its logout report', async () => {
    const res = await fetch(`${issuer}/admin/v1/sessions/${sid}`, { headers: { authorization: 'Bearer demo-admin-token' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { state: string; logoutReport: { reason: string; clients: string[]; notifications: Array<{ clientId: string; result: string }> } | null };
    expect(body.state).toBe('ended');
    expect(body.logoutReport).toMatchObject({ reason: 'logout', clients: ['demo-app', 'demo-app-2'] });
    // Both apps acknowledged their logout tokens (demo-app had already ended its own session).
    expect(body.logoutReport!.notifications).toEqual([
      expect.objectContaining({ clientId: 'demo-app', result: 'delivered' }),
      expect.objectContaining({ clientId: 'demo-app-2', result: 'delivered' }),
    ]);
  }, 30_000);
});
