/**
 * Issue 13 item 6 on the admin API and AuthZEN (RFC 9110 §15.6.4 503, §10.2.3 Retry-After): while
 * the PostgreSQL cluster of the test's own is stopped, both answer 503 `ops.database_unavailable`
 * with Retry-After in their own JSON shapes (AuthZEN still says `decision: false`), no stack, and
 * succeed again once it is back.
 */
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres';

jest.setTimeout(120_000);

const ADMIN = 'bootstrap-admin-token-for-outage';

describe('database outage on the admin API and AuthZEN (issue 13 item 6)', () => {
  let pg: PrivatePostgres;
  let h: Harness;
  let basic: string;
  beforeAll(async () => {
    pg = await startPrivatePostgres();
    h = await startHarness({
      database: 'pglite',
      env: { DATABASE_URL: pg.url, TESSERA_ADMIN_TOKEN: ADMIN },
      extraClients: [{ id: 'pep', redirectUris: [APP_REDIRECT], authzen: true, grantTypes: ['authorization_code', 'client_credentials'] }],
    });
    basic = `Basic ${Buffer.from(`pep:${h.clientSecrets.pep}`).toString('base64')}`;
  });
  afterAll(async () => {
    if (pg) {
      try {
        pg.start();
      } catch {
        // already running
      }
    }
    await h?.close();
    pg?.destroy();
  });

  const admin = () => fetch(`${h.issuer}/admin/v1/principals`, { headers: { authorization: `Bearer ${ADMIN}` } });
  const evaluate = () =>
    fetch(`${h.issuer}/access/v1/evaluation`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/json' },
      body: JSON.stringify({ subject: { type: 'user', id: '00000000-0000-4000-8000-000000000001' }, action: { name: 'read' }, resource: { type: 'Report', id: 'quarterly' }, context: {} }),
    });

  it('503 + Retry-After in each API’s JSON while PostgreSQL is down; answers again after it returns', async () => {
    expect((await admin()).status).toBe(200);
    expect((await evaluate()).status).toBe(200);
    pg.stop();
    try {
      const a = await admin();
      expect(a.status).toBe(503);
      expect(a.headers.get('retry-after')).toBe('5');
      expect(await a.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'ops.database_unavailable' });
      const z = await evaluate();
      expect(z.status).toBe(503);
      expect(z.headers.get('retry-after')).toBe('5');
      expect(await z.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'ops.database_unavailable', decision: false, context: { reason: 'ops.database_unavailable' } });
    } finally {
      pg.start();
    }
    let back = 0;
    for (let i = 0; i < 50 && back !== 200; i++) {
      back = (await admin()).status;
      if (back !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(back).toBe(200);
    expect((await evaluate()).status).toBe(200);
  });
});
