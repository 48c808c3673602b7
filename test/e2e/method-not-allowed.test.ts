/**
 * A method a route does not take is 405 `request.method_not_allowed` with `Allow` (RFC 9110
 * §15.5.6; README "Every endpoint answers a method it does not take with 405 and Allow"), found
 * generically from the registered routes (common/ wrongMethodError) — in the path's own format:
 * OAuth JSON on /oauth2 and /revocations, admin JSON on /admin (behind the token: 401 first),
 * AuthZEN JSON on /access/v1, the HTML page elsewhere. An unknown path stays 404.
 */
import { startHarness, type Harness } from '../support/harness';

jest.setTimeout(90_000);

const TOKEN = 'e2e-admin-token-method-not-allowed-0123456789';
const ID = '00000000-0000-4000-8000-000000000000';
type Format = 'oauth' | 'admin' | 'authzen' | 'html';

describe('RFC 9110 §15.5.6: a wrong method is 405 with Allow, in the path’s format', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { TESSERA_ADMIN_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await h?.close();
  });

  const admin = { authorization: `Bearer ${TOKEN}` };

  /** Checks the body is the path's error format carrying `code`. */
  async function expectFormat(res: Response, format: Format, code: string): Promise<void> {
    const type = res.headers.get('content-type') ?? '';
    if (format === 'html') {
      expect(type).toMatch(/^text\/html/);
      expect(await res.text()).toContain(code);
      return;
    }
    expect(type).toMatch(/^application\/json/);
    const body = await res.json();
    expect(body.error).toBe('invalid_request');
    expect(body.error_description).toBe(code);
    if (format === 'authzen') expect(body.context).toEqual({ reason: code });
    else expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
  }

  it.each<[string, string, string, Record<string, string>, Format]>([
    // The tester's examples (were 404).
    ['POST', '/revocations', 'GET, HEAD', {}, 'oauth'],
    ['GET', '/revocations/caep/poll', 'POST', {}, 'oauth'],
    ['PUT', `/admin/v1/traces/${ID}`, 'GET, HEAD', admin, 'admin'],
    ['DELETE', `/admin/v1/traces/${ID}`, 'GET, HEAD', admin, 'admin'],
    ['PATCH', `/admin/v1/traces/${ID}`, 'GET, HEAD', admin, 'admin'],
    ['PUT', '/admin/v1/pending-links', 'GET, HEAD', admin, 'admin'],
    // Other formats, through the same lookup.
    ['GET', '/access/v1/evaluation', 'POST', {}, 'authzen'],
    ['GET', '/login/link/decline', 'POST', {}, 'html'],
    // Routes that already refused by hand (@All + refuseMethod) keep their answer.
    ['GET', '/oauth2/token', 'POST', {}, 'oauth'],
    ['POST', `/admin/v1/sessions/${ID}`, 'GET, DELETE', admin, 'admin'],
  ])('%s %s → 405 with Allow: %s', async (method, path, allow, headers, format) => {
    const res = await fetch(`${h.issuer}${path}`, { method, headers });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    await expectFormat(res, format, 'request.method_not_allowed');
  });

  it.each<[string, string, Record<string, string>, Format, string]>([
    ['GET', '/no-such-page', {}, 'html', 'not_found'],
    ['POST', '/revocations/nothing', {}, 'oauth', 'request.invalid'],
    ['PUT', '/admin/v1/nothing-here', admin, 'admin', 'admin.not_found'],
  ])('an unknown path stays 404: %s %s', async (method, path, headers, format, code) => {
    const res = await fetch(`${h.issuer}${path}`, { method, headers });
    expect(res.status).toBe(404);
    expect(res.headers.get('allow')).toBeNull();
    await expectFormat(res, format, code);
  });

  it('RFC 6750 §3.1: a wrong method on an admin route without the token is 401 and names no methods', async () => {
    for (const path of [`/admin/v1/traces/${ID}`, '/admin/v1/pending-links']) {
      const res = await fetch(`${h.issuer}${path}`, { method: 'PUT' });
      expect(res.status).toBe(401);
      expect(res.headers.get('allow')).toBeNull();
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="tessera-admin"');
      expect(await res.json()).toEqual({ error: expect.any(String), error_description: 'admin.unauthorized' });
    }
  });
});
