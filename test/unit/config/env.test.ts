import { resolve } from 'node:path';
import { ConfigError, DEVELOPMENT_KEK, loadEnv } from '../../../src/config';

const KEK = Buffer.alloc(32, 7).toString('base64url');

function problemsOf(env: NodeJS.ProcessEnv): Array<[string, string]> {
  try {
    loadEnv(env, '/srv/tessera');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map((p) => {
      expect(p.file).toBe('environment');
      return [p.field, p.reason];
    });
  }
  return [];
}

describe('loadEnv: defaults (types.ts TesseraEnv)', () => {
  it('fills every default from an empty environment, resolving directories against cwd', () => {
    const env = loadEnv({}, '/srv/tessera');
    expect(env).toEqual({
      issuer: 'http://localhost:3000',
      https: false,
      port: 3000,
      dataDir: '/srv/tessera/.tessera/data',
      kek: DEVELOPMENT_KEK,
      kekIsDevelopmentDefault: true,
      providersDir: '/srv/tessera/providers',
      policiesDir: '/srv/tessera/policies',
      clientsDir: '/srv/tessera/clients',
      logLevel: 'info',
      loginTransactionTtlSeconds: 600,
      authorizationCodeTtlSeconds: 60,
      sessionIdleSeconds: 3600,
      sessionAbsoluteSeconds: 43200,
    });
    expect(env.maxSessionsPerPrincipal).toBeUndefined();
    expect(env.databaseUrl).toBeUndefined();
    expect(DEVELOPMENT_KEK).toHaveLength(32);
  });

  it('reads every variable when set', () => {
    const env = loadEnv(
      {
        TESSERA_ISSUER: 'https://id.example.com/tessera',
        PORT: '8080',
        DATABASE_URL: 'postgresql://u@db/tessera',
        TESSERA_DATA_DIR: 'memory://',
        TESSERA_KEK: KEK,
        TESSERA_PROVIDERS_DIR: 'conf/providers',
        TESSERA_CLIENTS_DIR: '/etc/tessera/clients',
        LOG_LEVEL: 'debug',
        TESSERA_LOGIN_TTL_SECONDS: '60',
        TESSERA_CODE_TTL_SECONDS: '600',
        TESSERA_SESSION_IDLE_SECONDS: '900',
        TESSERA_SESSION_ABSOLUTE_SECONDS: '28800',
        TESSERA_MAX_SESSIONS_PER_PRINCIPAL: '3',
      },
      '/srv/tessera',
    );
    expect(env).toMatchObject({
      issuer: 'https://id.example.com/tessera',
      https: true,
      port: 8080,
      databaseUrl: 'postgresql://u@db/tessera',
      dataDir: 'memory://',
      kekIsDevelopmentDefault: false,
      providersDir: resolve('/srv/tessera', 'conf/providers'),
      clientsDir: '/etc/tessera/clients',
      logLevel: 'debug',
      loginTransactionTtlSeconds: 60,
      authorizationCodeTtlSeconds: 600,
      sessionIdleSeconds: 900,
      sessionAbsoluteSeconds: 28800,
      maxSessionsPerPrincipal: 3,
    });
    expect(Buffer.from(env.kek).equals(Buffer.alloc(32, 7))).toBe(true);
  });

  it('treats empty variables as unset', () => {
    expect(loadEnv({ DATABASE_URL: '', TESSERA_KEK: '', PORT: '' }, '/x')).toMatchObject({ port: 3000, kekIsDevelopmentDefault: true });
  });

  it('accepts a production setup with an https issuer and its own KEK', () => {
    expect(loadEnv({ NODE_ENV: 'production', TESSERA_ISSUER: 'https://id.example.com', TESSERA_KEK: KEK }).kekIsDevelopmentDefault).toBe(false);
  });
});

describe('loadEnv: problems, each naming the variable', () => {
  const rows: Array<[string, NodeJS.ProcessEnv, string, string]> = [
    ['issuer not a URL', { TESSERA_ISSUER: 'id.example.com' }, 'TESSERA_ISSUER', 'absolute'],
    ['issuer with another scheme', { TESSERA_ISSUER: 'ftp://id.example.com' }, 'TESSERA_ISSUER', 'http(s)'],
    ['issuer with trailing slash', { TESSERA_ISSUER: 'https://id.example.com/' }, 'TESSERA_ISSUER', 'slash'],
    ['issuer with query (RFC 8414 §2)', { TESSERA_ISSUER: 'https://id.example.com?x=1' }, 'TESSERA_ISSUER', 'query or fragment'],
    ['issuer with fragment (RFC 8414 §2)', { TESSERA_ISSUER: 'https://id.example.com#x' }, 'TESSERA_ISSUER', 'query or fragment'],
    ['http issuer in production', { NODE_ENV: 'production', TESSERA_KEK: KEK, TESSERA_ISSUER: 'http://id.example.com' }, 'TESSERA_ISSUER', 'https'],
    ['port not a number', { PORT: 'http' }, 'PORT', 'between 0 and 65535'],
    ['port out of range', { PORT: '70000' }, 'PORT', 'between 0 and 65535'],
    ['database URL of another kind', { DATABASE_URL: 'mysql://db/x' }, 'DATABASE_URL', 'postgres://'],
    ['KEK not base64url', { TESSERA_KEK: '!'.repeat(43) }, 'TESSERA_KEK', '32 bytes'],
    ['KEK of 16 bytes', { TESSERA_KEK: Buffer.alloc(16).toString('base64url') }, 'TESSERA_KEK', '32 bytes'],
    ['KEK of 33 bytes', { TESSERA_KEK: Buffer.alloc(33).toString('base64url') }, 'TESSERA_KEK', '32 bytes'],
    ['KEK missing in production', { NODE_ENV: 'production', TESSERA_ISSUER: 'https://id.example.com' }, 'TESSERA_KEK', 'required'],
    ['development KEK in production', { NODE_ENV: 'production', TESSERA_ISSUER: 'https://id.example.com', TESSERA_KEK: Buffer.from(DEVELOPMENT_KEK).toString('base64url') }, 'TESSERA_KEK', 'development'],
    ['unknown log level', { LOG_LEVEL: 'verbose' }, 'LOG_LEVEL', 'one of'],
    ['login TTL below 60', { TESSERA_LOGIN_TTL_SECONDS: '59' }, 'TESSERA_LOGIN_TTL_SECONDS', 'between 60 and 3600'],
    ['login TTL above 3600', { TESSERA_LOGIN_TTL_SECONDS: '3601' }, 'TESSERA_LOGIN_TTL_SECONDS', 'between 60 and 3600'],
    ['code TTL below 10', { TESSERA_CODE_TTL_SECONDS: '9' }, 'TESSERA_CODE_TTL_SECONDS', 'between 10 and 600'],
    ['code TTL not whole', { TESSERA_CODE_TTL_SECONDS: '60.5' }, 'TESSERA_CODE_TTL_SECONDS', 'between 10 and 600'],
  ];
  it.each(rows)('%s', (_title, env, field, reason) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0][0]).toBe(field);
    expect(problems[0][1]).toContain(reason);
  });

  it('collects every problem into one ConfigError', () => {
    const problems = problemsOf({ PORT: 'x', LOG_LEVEL: 'loud', TESSERA_KEK: 'short', DATABASE_URL: 'sqlite:x' });
    expect(problems.map(([f]) => f).sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'PORT', 'TESSERA_KEK']);
  });

  it('never puts the KEK value into the error message', () => {
    const bad = 'A'.repeat(42);
    expect(() => loadEnv({ TESSERA_KEK: bad })).toThrow(ConfigError);
    try {
      loadEnv({ TESSERA_KEK: bad });
    } catch (e) {
      expect((e as Error).message).not.toContain(bad);
    }
  });
});
