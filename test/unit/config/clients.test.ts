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
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'email', 'profile'],
      requirePkce: true,
      idTokenSignedResponseAlg: 'RS256',
      accessTokenLifetimeSeconds: 300,
      authorizationResponseIss: true,
      idTokenLifetimeSeconds: 300,
      refreshTokenGraceSeconds: 30,
      refreshReuseScope: 'session',
      offlineAccess: false,
      idTokenOnRefresh: false,
      revocationReceiver: false,
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
    ['public client with a secret auth method', PUBLIC_CLIENT + 'tokenEndpointAuthMethods: [client_secret_basic]\n', undefined, ['tokenEndpointAuthMethods: must be [none] for a public client']],
    ['unknown auth method', VALID_CLIENT + 'tokenEndpointAuthMethods: [private_key_jwt]\n', undefined, ['tokenEndpointAuthMethods: every value must be one of: client_secret_basic, client_secret_post, none']],
    ['unsupported grant type', VALID_CLIENT + 'grantTypes: [implicit]\n', undefined, ['grantTypes: every value must be one of: authorization_code, refresh_token, client_credentials']],
    ['lifetime above 3600 s', VALID_CLIENT + 'accessTokenLifetimeSeconds: 7200\n', undefined, ['accessTokenLifetimeSeconds: must be a whole number of seconds between 1 and 3600']],
    ['lifetime not whole', VALID_CLIENT + 'idTokenLifetimeSeconds: 1.5\n', undefined, ['idTokenLifetimeSeconds: must be a whole number of seconds between 1 and 3600']],
    ['bad scope token (RFC 6749 §3.3)', VALID_CLIENT + 'scopes: [openid, "a\\"b"]\n', undefined, ['scopes[1]: is not a valid scope token (RFC 6749 §3.3)']],
  ];
  it.each(rows)('%s', (_title, content, env, expected) => {
    expect(problemsFor(content, env)).toEqual(expected);
  });
});

describe('clients/<id>.yaml: a client that could never sign anyone in is refused (issue 6 #8)', () => {
  const rows: Array<[string, string, string[]]> = [
    ['scopes without openid: every authorization request carries openid (OIDC Core §3.1.2.1)', VALID_CLIENT + 'scopes: [email, profile]\n', ['scopes: must include openid (OIDC Core §3.1.2.1)']],
    ['scopes without openid, on a public client (OIDC Core §3.1.2.1)', PUBLIC_CLIENT + 'scopes: [profile]\n', ['scopes: must include openid (OIDC Core §3.1.2.1)']],
    ['openid is case-sensitive (RFC 6749 §3.3, OIDC Core §3.1.2.1)', VALID_CLIENT + 'scopes: [OpenID]\n', ['scopes: must include openid (OIDC Core §3.1.2.1)']],
    ['confidential client whose only auth method is none (RFC 7591 §2)', VALID_CLIENT + 'tokenEndpointAuthMethods: [none]\n', ['tokenEndpointAuthMethods: a confidential client cannot use none']],
    ['confidential client listing none among others (RFC 7591 §2)', VALID_CLIENT + 'tokenEndpointAuthMethods: [client_secret_basic, none]\n', ['tokenEndpointAuthMethods: a confidential client cannot use none']],
    ['public client with a secret: it could never be kept secret (RFC 6749 §2.1)', PUBLIC_CLIENT + 'clientSecret: ${APP_SECRET}\n', ['clientSecret: is not allowed for a public client']],
    ['public client without PKCE (RFC 7636, OAuth 2.0 Security BCP §2.1.1)', PUBLIC_CLIENT + 'requirePkce: false\n', ['requirePkce: cannot be false for a public client (RFC 7636)']],
    ['a public client with client_credentials: it has no credentials (RFC 6749 §4.4)', PUBLIC_CLIENT + 'grantTypes: [authorization_code, client_credentials]\n', ['grantTypes: client_credentials needs a confidential client (RFC 6749 §4.4)']],
    ['a public client may not call the AuthZEN API (issue 11 item 5)', PUBLIC_CLIENT + 'authzen: true\n', ['authzen: only a confidential client may call the AuthZEN API']],
    ['claims lists only claims Tessera can add (issue 11 item 6)', VALID_CLIENT + 'claims: [groups]\n', ['claims: every value must be one of: roles']],
    ['grantTypes with refresh_token but without authorization_code: refresh tokens come from the code exchange', VALID_CLIENT + 'grantTypes: [refresh_token]\n', ['grantTypes: refresh_token needs authorization_code (refresh tokens are issued at the code exchange)']],
    ['the same redirect URI twice (RFC 6749 §3.1.2)', VALID_CLIENT + '  - http://127.0.0.1:8765/cb\n  - http://127.0.0.1:8765/cb\n', ['redirectUris[2]: is listed twice']],
    ['an id_token algorithm Tessera has no key for (OIDC Registration §2)', VALID_CLIENT + 'idTokenSignedResponseAlg: HS256\n', ['idTokenSignedResponseAlg: must be one of: RS256, ES256']],
    ['an unsigned id_token (OIDC Core §2: alg none only when not from the authorization endpoint)', VALID_CLIENT + 'idTokenSignedResponseAlg: none\n', ['idTokenSignedResponseAlg: must be one of: RS256, ES256']],
    ['a zero lifetime: the token would be expired when issued (RFC 7519 §4.1.4)', VALID_CLIENT + 'accessTokenLifetimeSeconds: 0\n', ['accessTokenLifetimeSeconds: must be a whole number of seconds between 1 and 3600']],
    ['a negative lifetime (RFC 7519 §4.1.4)', VALID_CLIENT + 'idTokenLifetimeSeconds: -60\n', ['idTokenLifetimeSeconds: must be a whole number of seconds between 1 and 3600']],
    ['a lifetime given as text', VALID_CLIENT + 'idTokenLifetimeSeconds: "300"\n', ['idTokenLifetimeSeconds: must be a whole number of seconds between 1 and 3600']],
    ['DESIGN.md §6: a grace window above 300 s', VALID_CLIENT + 'refreshTokenGraceSeconds: 301\n', ['refreshTokenGraceSeconds: must be a whole number of seconds between 0 and 300']],
    ['DESIGN.md §6: a negative grace window', VALID_CLIENT + 'refreshTokenGraceSeconds: -1\n', ['refreshTokenGraceSeconds: must be a whole number of seconds between 0 and 300']],
    ['DESIGN.md §6: an unknown reuse scope', VALID_CLIENT + 'refreshReuseScope: client\n', ['refreshReuseScope: must be one of: session, family']],
    ['DESIGN.md §6: offline_access without offlineAccess', VALID_CLIENT + 'scopes: [openid, offline_access]\n', ['scopes: offline_access needs offlineAccess: true (DESIGN.md §6)']],
    ['DESIGN.md §6: offlineAccess without the refresh_token grant', VALID_CLIENT + 'offlineAccess: true\ngrantTypes: [authorization_code]\n', ['offlineAccess: needs refresh_token in grantTypes']],
    ['DESIGN.md §6: an offline absolute lifetime above the 90-day cap', VALID_CLIENT + 'refreshTokenAbsoluteSeconds: 7776001\n', ['refreshTokenAbsoluteSeconds: must be a whole number of seconds between 60 and 7776000']],
    ['DESIGN.md §6: an offline idle lifetime above the 30-day cap', VALID_CLIENT + 'refreshTokenIdleSeconds: 2592001\n', ['refreshTokenIdleSeconds: must be a whole number of seconds between 60 and 2592000']],
    ['RFC 6749 §6: refresh_token without authorization_code', VALID_CLIENT + 'grantTypes: [refresh_token]\n', ['grantTypes: refresh_token needs authorization_code (refresh tokens are issued at the code exchange)']],
  ];
  it.each(rows)('%s', (_title, content, expected) => {
    expect(problemsFor(content)).toEqual(expected);
  });
});

describe('clients/<id>.yaml: one message per mistake, as in providers/ (issue 6 #9)', () => {
  const rows: Array<[string, string, string[]]> = [
    ['scopes given as a scalar', VALID_CLIENT + 'scopes: openid\n', ['scopes: must be a list']],
    ['redirectUris given as a scalar', VALID_CLIENT.replace(/^redirectUris:\n.*\n/m, 'redirectUris: https://payroll.example/callback\n'), ['redirectUris: must be a list']],
    ['tokenEndpointAuthMethods given as a scalar', PUBLIC_CLIENT + 'tokenEndpointAuthMethods: none\n', ['tokenEndpointAuthMethods: must be a list']],
    ['grantTypes given as a scalar', VALID_CLIENT + 'grantTypes: authorization_code\n', ['grantTypes: must be a list']],
    ['a list given as a mapping', VALID_CLIENT + 'scopes: { openid: true }\n', ['scopes: must be a list']],
    ['a list given as a number', VALID_CLIENT + 'grantTypes: 1\n', ['grantTypes: must be a list']],
    ['empty scopes', VALID_CLIENT + 'scopes: []\n', ['scopes: must list at least one value']],
    ['empty tokenEndpointAuthMethods', VALID_CLIENT + 'tokenEndpointAuthMethods: []\n', ['tokenEndpointAuthMethods: must list at least one value']],
    ['empty grantTypes', VALID_CLIENT + 'grantTypes: []\n', ['grantTypes: must list at least one value']],
    ['a redirect URI that is not a string', VALID_CLIENT + '  - 42\n', ['redirectUris: must be a list of strings']],
    ['a boolean given as text', VALID_CLIENT + 'requirePkce: "no"\n', ['requirePkce: must be true or false']],
  ];
  it.each(rows)('%s', (_title, content, expected) => {
    expect(problemsFor(content)).toEqual(expected);
  });
});

describe('clients/<id>.yaml: ${ENV} only in clientSecret (DESIGN.md §4, issue 6 #10)', () => {
  const NOT_HERE = '${ENV} references are allowed only in secret fields: clientSecret';
  const rows: Array<[string, string, string[]]> = [
    ['in displayName, even when the variable is set (it is shown to users)', VALID_CLIENT.replace('Payroll', '${APP_SECRET}'), [`displayName: ${NOT_HERE}`]],
    ['inside a redirect URI', VALID_CLIENT.replace('payroll.example', '${HOST}'), [`redirectUris[0]: ${NOT_HERE}`]],
    ['in clientUri', VALID_CLIENT + 'clientUri: https://${HOST}/\n', [`clientUri: ${NOT_HERE}`]],
    ['in a scope', VALID_CLIENT + 'scopes: [openid, "${SCOPE}"]\n', [`scopes[1]: ${NOT_HERE}`]],
  ];
  it.each(rows)('%s', (_title, content, expected) => {
    const problems = problemsFor(content, { ...FIXTURE_ENV, HOST: 'payroll.example', SCOPE: 'email' });
    expect(problems).toEqual(expected);
    expect(problems.join('\n')).not.toContain(FIXTURE_ENV.APP_SECRET);
  });
});

describe('clients/<id>.yaml: clientUri, the app\'s home page (RFC 7591 §2 client_uri)', () => {
  it.each([
    ['an https URL', 'https://payroll.example/'],
    ['an https URL with path and query', 'https://payroll.example/app?from=sso'],
    ['http on a loopback host (RFC 8252 §7.3)', 'http://127.0.0.1:8080/'],
    ['http on localhost', 'http://localhost:3000/demo'],
  ])('keeps %s', (_title, uri) => {
    const dir = writeTree({ 'payroll.yaml': VALID_CLIENT + `clientUri: "${uri}"\n` });
    const { items, problems } = loadClients(dir, FIXTURE_ENV, dir);
    expect(problems).toEqual([]);
    expect(items.get('payroll')?.clientUri).toBe(uri);
  });

  it('is absent when not set', () => {
    const dir = writeTree({ 'payroll.yaml': VALID_CLIENT });
    expect(loadClients(dir, FIXTURE_ENV, dir).items.get('payroll')).not.toHaveProperty('clientUri');
  });

  const rows: Array<[string, string, string[]]> = [
    ['http on a public host (RFC 7591 §2: a web page; https)', 'http://payroll.example/', ['clientUri: http is only allowed for loopback hosts (localhost, 127.0.0.1, [::1]); use https']],
    ['a script URL', 'javascript:alert(1)', ['clientUri: must be an https URL']],
    ['a private-use scheme (no web page)', 'com.example.app:/home', ['clientUri: must be an https URL']],
    ['a relative URL', '/home', ['clientUri: must be an absolute URL']],
    ['credentials in the URL', 'https://user:pw@payroll.example/', ['clientUri: must not contain credentials']],
    ['empty', '', ['clientUri: must not be empty']],
  ];
  it.each(rows)('refuses %s', (_title, uri, expected) => {
    expect(problemsFor(VALID_CLIENT + `clientUri: "${uri}"\n`)).toEqual(expected);
  });

  it('refuses a non-string', () => {
    expect(problemsFor(VALID_CLIENT + 'clientUri: [https://payroll.example/]\n')).toEqual(['clientUri: must be a string']);
  });
});
