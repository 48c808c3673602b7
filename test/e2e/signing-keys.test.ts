/**
 * Signing keys (DESIGN.md §5, §6): generated at first start, stored only as a JWE under the
 * key-encryption key, reused on restart, and refused — the broker does not start — under
 * another KEK (the development-key warning is checked in development-kek.test.ts).
 * Runs on a persistent embedded database with the repository's own demo configuration.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { startTessera } from '../../src/bootstrap';

jest.setTimeout(60_000);

const REPO = resolve(__dirname, '../..');

describe('signing keys at rest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-keys-'));
  const kek = randomBytes(32).toString('base64url');
  const env = (extra: Record<string, string | undefined>) => ({
    TESSERA_PROVIDERS_DIR: join(REPO, 'providers'),
    TESSERA_CLIENTS_DIR: join(REPO, 'clients'),
    DEMO_UPSTREAM_CLIENT_SECRET: 'x',
    DEMO_APP_CLIENT_SECRET: 'y',
    DEMO_APP2_CLIENT_SECRET: 'z',
    TESSERA_DATA_DIR: join(dir, 'data'),
    LOG_LEVEL: 'warn',
    ...extra,
  });
  const jwksOf = async (url: string) => (await (await fetch(`${url}/oauth2/jwks`)).json()) as { keys: Array<Record<string, unknown>> };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are generated once, stored as JWE without private parts, and the same after a restart', async () => {
    const first = await startTessera({ port: 0, host: '127.0.0.1', env: env({ TESSERA_KEK: kek }) });
    let before;
    try {
      before = await jwksOf(first.url);
      const rows: Array<{ private_jwe: string; public_jwk: Record<string, unknown> }> = await first.app.get(DataSource).query('SELECT private_jwe, public_jwk FROM signing_keys');
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        expect(row.private_jwe.split('.')).toHaveLength(5); // compact JWE (RFC 7516 §7.1)
        expect(row.private_jwe).not.toMatch(/"d"|"p"|"q"/);
        expect(row.public_jwk).not.toHaveProperty('d');
      }
      expect(before.keys.every((k) => !('d' in k))).toBe(true);
    } finally {
      await first.close();
    }
    const again = await startTessera({ port: 0, host: '127.0.0.1', env: env({ TESSERA_KEK: kek }) });
    try {
      expect(await jwksOf(again.url)).toEqual(before);
    } finally {
      await again.close();
    }
  });

  it('under another KEK the broker refuses to start and says why', async () => {
    const other = randomBytes(32).toString('base64url');
    await expect(startTessera({ port: 0, host: '127.0.0.1', env: env({ TESSERA_KEK: other }) })).rejects.toThrow(/keys\.kek_mismatch.*TESSERA_KEK/);
  });
});
