import { join } from 'node:path';
import { sha256 } from '../../../src/common';
import { loadClients } from '../../../src/config';
import { FIXTURE_ENV, removeTrees, VALID_CLIENT, writeTree } from './fixtures';

afterAll(removeTrees);

/** Loads one clients/payroll.yaml with `content`; returns the problems as "field: reason" lines. */
function problemsFor(content: string, env: NodeJS.ProcessEnv = FIXTURE_ENV): string[] {
  const dir = writeTree({ 'payroll.yaml': content });
  const { problems } = loadClients(dir, env, dir);
  for (const p of problems) expect(p.file).toBe('payroll.yaml');
  return problems.map((p) => `${p.field}: ${p.reason}`);
}

const PUBLIC_CLIENT = `displayName: Mobile
type: public
redirectUris: [com.example.app:/oauth2redirect, http://127.0.0.1:8765/cb, "http://[::1]/cb", http://localhost/cb]
`;

describe('clients/<id>.yaml: valid files and defaults (DESIGN.md §4, types.ts)', () => {
  it('applies every default to a confidential client and keeps only the secret hash (DESIGN.md §5)', () => {
    const dir = writeTree({ 'payroll.yaml': VALID_CLIENT });
    const { items, problems } = loadClients(dir, FIXTURE_ENV, dir);
    expect(problems).toEqual([]);
    const client = items.get('payroll');
    expect(client).toEqual({
      id: 'payroll',
      file: join(dir, 'payroll.yaml'),
      displayName: 'Payroll',
      type: 'confidential',
      clientSecretHash: sha256('app-secret-0123456789'),
      tokenEndpointAuthMethods: ['client_secret_basic', 'client_secret_post'],
      redirectUris: ['https://payroll.example/callback'],
      grantTypes: ['authorization_code'],
      scopes: ['openid', 'email', 'profile'],
      requirePkce: true,
      idTokenSignedResponseAlg: 'RS256',
      accessTokenLifetimeSeconds: 300,
      idTokenLifetimeSeconds: 300,
    });
    expect(JSON.stringify(client)).not.toContain('app-secret-0123456789');
  });

  it('gives a public client [none] and PKCE; loopback http and private-use schemes are allowed (RFC 8252 §7.1, §7.3)', () => {
    const dir = writeTree({ 'mobile.yaml': PUBLIC_CLIENT });
    const { items, problems } = loadClients(dir, {}, dir);
    expect(problems).toEqual([]);
    expect(items.get('mobile')).toMatchObject({ type: 'public', tokenEndpointAuthMethods: ['none'], requirePkce: true });
    expect(items.get('mobile')?.clientSecretHash).toBeUndefined();
  });

  it('keeps explicit settings', () => {
    const dir = writeTree({
      'payroll.yaml': VALID_CLIENT + `tokenEndpointAuthMethods: [client_secret_post]
scopes: [openid, roles]
requirePkce: false
idTokenSignedResponseAlg: ES256
accessTokenLifetimeSeconds: 60
idTokenLifetimeSeconds: 3600
`,
    });
    expect(loadClients(dir, FIXTURE_ENV, dir).items.get('payroll')).toMatchObject({
      tokenEndpointAuthMethods: ['client_secret_post'],
      scopes: ['openid', 'roles'],
      requirePkce: false,
      idTokenSignedResponseAlg: 'ES256',
      accessTokenLifetimeSeconds: 60,
      idTokenLifetimeSeconds: 3600,
    });
  });
});

describe('clients/<id>.yaml: each kind of problem names field and reason', () => {
  const withUri = (uri: string) => VALID_CLIENT.replace('https://payroll.example/callback', uri);
  const rows: Array<[string, string, NodeJS.ProcessEnv | undefined, string[]]> = [
    ['unknown field', VALID_CLIENT + 'redirectUri: https://x.example\n', undefined, ['redirectUri: unknown field']],
    ['missing displayName', VALID_CLIENT.replace(/^displayName.*\n/, ''), undefined, ['displayName: is required']],
    ['missing type', VALID_CLIENT.replace(/^type.*\n/m, ''), undefined, ['type: is required']],
    ['missing redirectUris', VALID_CLIENT.replace(/^redirectUris:\n.*\n/m, ''), undefined, ['redirectUris: is required']],
    ['empty redirectUris (RFC 6749 §3.1.2)', VALID_CLIENT.replace(/^redirectUris:\n.*\n/m, 'redirectUris: []\n'), undefined, ['redirectUris: must list at least one value']],
    ['relative redirect URI (RFC 6749 §3.1.2)', withUri('/callback'), undefined, ['redirectUris[0]: must be an absolute URL']],
    ['redirect URI with fragment (RFC 6749 §3.1.2)', withUri('https://payroll.example/cb#x'), undefined, ['redirectUris[0]: must not contain a fragment (RFC 6749 §3.1.2)']],
    ['http redirect to a non-loopback host (RFC 8252 §7.3)', withUri('http://payroll.example/cb'), undefined, ['redirectUris[0]: http is only allowed for loopback hosts (localhost, 127.0.0.1, [::1]); use https']],
    ['javascript: redirect URI', withUri('javascript:alert(1)'), undefined, ['redirectUris[0]: scheme javascript: is not allowed']],
    ['wildcard host in a redirect URI (RFC 9700 §4.1.3: exact match only)', withUri('https://*.example.com/cb'), undefined, ['redirectUris[0]: wildcards are not supported: redirect URIs are matched exactly (RFC 9700 §4.1.3)']],
    ['wildcard path in a redirect URI (a literal * is almost always a mistaken wildcard)', withUri('https://app.example.com/cb/*'), undefined, ['redirectUris[0]: wildcards are not supported: redirect URIs are matched exactly (RFC 9700 §4.1.3)']],
    ['redirect URI listed twice', VALID_CLIENT + '  - https://payroll.example/callback\n', undefined, ['redirectUris[1]: is listed twice']],
    ['literal secret', VALID_CLIENT.replace('${APP_SECRET}', 'hunter2'), undefined, ['clientSecret: secrets must be ${ENV} references, not literals']],
    ['missing env variable for the secret', VALID_CLIENT, {}, ['clientSecret: environment variable APP_SECRET is not set']],
    ['confidential client without secret', VALID_CLIENT.replace(/^clientSecret.*\n/m, ''), undefined, ['clientSecret: is required for a confidential client']],
    ['confidential client with auth method none', VALID_CLIENT + 'tokenEndpointAuthMethods: [none]\n', undefined, ['tokenEndpointAuthMethods: a confidential client cannot use none']],
    ['public client with a secret (OAuth 2.0 Security BCP §2.1.1)', PUBLIC_CLIENT + 'clientSecret: ${APP_SECRET}\n', undefined, ['clientSecret: is not allowed for a public client']],
    ['public client with a secret auth method', PUBLIC_CLIENT + 'tokenEndpointAuthMethods: [client_secret_basic]\n', undefined, ['tokenEndpointAuthMethods: must be [none] for a public client']],
    ['public client without PKCE (RFC 7636)', PUBLIC_CLIENT + 'requirePkce: false\n', undefined, ['requirePkce: cannot be false for a public client (RFC 7636)']],
    ['unknown auth method', VALID_CLIENT + 'tokenEndpointAuthMethods: [private_key_jwt]\n', undefined, ['tokenEndpointAuthMethods: every value must be one of: client_secret_basic, client_secret_post, none']],
    ['unsupported grant type', VALID_CLIENT + 'grantTypes: [implicit]\n', undefined, ['grantTypes: every value must be one of: authorization_code']],
    ['lifetime above 3600 s', VALID_CLIENT + 'accessTokenLifetimeSeconds: 7200\n', undefined, ['accessTokenLifetimeSeconds: must be a whole number of seconds between 1 and 3600']],
    ['lifetime not whole', VALID_CLIENT + 'idTokenLifetimeSeconds: 1.5\n', undefined, ['idTokenLifetimeSeconds: must be a whole number of seconds between 1 and 3600']],
    ['bad id token algorithm', VALID_CLIENT + 'idTokenSignedResponseAlg: none\n', undefined, ['idTokenSignedResponseAlg: must be one of: RS256, ES256']],
    ['bad scope token (RFC 6749 §3.3)', VALID_CLIENT + 'scopes: [openid, "a\\"b"]\n', undefined, ['scopes[1]: is not a valid scope token (RFC 6749 §3.3)']],
  ];
  it.each(rows)('%s', (_title, content, env, expected) => {
    expect(problemsFor(content, env)).toEqual(expected);
  });
});
