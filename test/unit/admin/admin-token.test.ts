/**
 * The admin API's bearer token (RFC 6750 §2.1; issue 7 item 4: TESSERA_ADMIN_TOKEN, stored
 * hashed, compared in constant time, at least 32 characters in production, no admin API when
 * unset).
 */
import { adminTokenMatches } from '../../../src/admin/admin-token.guard';
import { sha256 } from '../../../src/common';
import { ConfigError, loadEnv } from '../../../src/config';

const TOKEN = 'Zm9vYmFyYmF6cXV4LTAxMjM0NTY3ODlhYmNkZWYtZ2hpams';
const HASH = sha256(TOKEN);

describe('adminTokenMatches (RFC 6750 §2.1 Authorization: Bearer)', () => {
  it.each<[string, string | undefined, boolean]>([
    ['the token', `Bearer ${TOKEN}`, true],
    ['RFC 7235 §2.1: the scheme is case-insensitive', `bearer ${TOKEN}`, true],
    ['surrounding spaces after the scheme', `Bearer  ${TOKEN} `, true],
    ['no header', undefined, false],
    ['an empty header', '', false],
    ['the scheme alone', 'Bearer', false],
    ['another token', 'Bearer demo-admin-token', false],
    ['the token with one more character', `Bearer ${TOKEN}x`, false],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`, false],
    ['the stored hash instead of the token', `Bearer ${HASH}`, false],
    ['Basic with the token', `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`, false],
    ['the token without a scheme', TOKEN, false],
    ['two tokens', `Bearer ${TOKEN} ${TOKEN}`, false],
    ['a character outside b64token', `Bearer ${TOKEN}!`, false],
  ])('%s', (_t, header, expected) => {
    expect(adminTokenMatches(header, HASH)).toBe(expected);
  });
});

describe('TESSERA_ADMIN_TOKEN in the environment (config/env.ts)', () => {
  const problems = (env: NodeJS.ProcessEnv): string[] => {
    try {
      loadEnv(env, '/srv/tessera');
      return [];
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).problems.map((p) => `${p.field}: ${p.reason}`);
    }
  };
  const PRODUCTION = { NODE_ENV: 'production', TESSERA_ISSUER: 'https://id.example', TESSERA_KEK: Buffer.alloc(32, 7).toString('base64url') };

  it('unset: no hash, so no admin API', () => {
    expect(loadEnv({}, '/srv/tessera').adminTokenHash).toBeUndefined();
    expect(loadEnv({ TESSERA_ADMIN_TOKEN: '' }, '/srv/tessera').adminTokenHash).toBeUndefined();
  });

  it('DESIGN.md §5: only the SHA-256 is kept, never the token', () => {
    const env = loadEnv({ TESSERA_ADMIN_TOKEN: 'demo-admin-token' }, '/srv/tessera');
    expect(env.adminTokenHash).toBe(sha256('demo-admin-token'));
    expect(JSON.stringify(env)).not.toContain('demo-admin-token');
  });

  it.each<[string, NodeJS.ProcessEnv, string[]]>([
    ['a short token outside production is accepted (the demo)', { TESSERA_ADMIN_TOKEN: 'demo-admin-token' }, []],
    ['a 32-character token in production is accepted', { ...PRODUCTION, TESSERA_ADMIN_TOKEN: 'a'.repeat(32) }, []],
    ['a 31-character token in production is refused', { ...PRODUCTION, TESSERA_ADMIN_TOKEN: 'a'.repeat(31) }, ['TESSERA_ADMIN_TOKEN: must be at least 32 characters when NODE_ENV=production (e.g. 32 random bytes, base64url)']],
    ['the demo token in production is refused', { ...PRODUCTION, TESSERA_ADMIN_TOKEN: 'demo-admin-token' }, ['TESSERA_ADMIN_TOKEN: must be at least 32 characters when NODE_ENV=production (e.g. 32 random bytes, base64url)']],
    ['RFC 6750 §2.1: a space cannot be sent as a bearer token', { TESSERA_ADMIN_TOKEN: 'two words' }, ['TESSERA_ADMIN_TOKEN: must be at most 512 characters of A-Z a-z 0-9 - . _ ~ + / (a bearer token, RFC 6750 §2.1)']],
    ['longer than 512 characters', { TESSERA_ADMIN_TOKEN: 'a'.repeat(513) }, ['TESSERA_ADMIN_TOKEN: must be at most 512 characters of A-Z a-z 0-9 - . _ ~ + / (a bearer token, RFC 6750 §2.1)']],
  ])('%s', (_t, env, expected) => {
    expect(problems(env)).toEqual(expected);
  });
});
