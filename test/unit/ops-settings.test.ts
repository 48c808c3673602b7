/**
 * Issue 13: the operations settings are validated like every other setting (invalid → the
 * variable and the reason, and Tessera refuses to start), and database errors are told apart:
 * "the database is not there" (503 + Retry-After) versus a query the database refused.
 */
import { loadOpsSettings } from '../../src/app/ops-settings';
import { ConfigError } from '../../src/config';
import { isDatabaseUnavailable } from '../../src/database';

describe('loadOpsSettings (issue 13)', () => {
  it('defaults: workers = cores, limits on, JSON logs, /metrics open', () => {
    const s = loadOpsSettings({});
    expect(s.workers).toBeGreaterThanOrEqual(1);
    expect(s).toMatchObject({ logFormat: 'json', limits: { perIp: 300, perClient: 1200, windowSeconds: 60, maxOpenLoginsPerBrowser: 20, redisKeyPrefix: 'tessera:' } });
    expect(loadOpsSettings({ TESSERA_REDIS_KEY_PREFIX: 'prod-eu:{tessera}:' }).limits.redisKeyPrefix).toBe('prod-eu:{tessera}:');
    expect(s.metricsTokenHash).toBeUndefined();
  });

  it.each([
    ['TESSERA_WORKERS', '0', 'must be an integer from 1 to 256'],
    ['TESSERA_WORKERS', 'two', 'must be an integer from 1 to 256'],
    ['TESSERA_RATE_LIMIT_PER_IP', '-1', 'must be an integer from 0 to 1000000'],
    ['TESSERA_RATE_LIMIT_WINDOW_SECONDS', '0', 'must be an integer from 1 to 3600'],
    ['TESSERA_METRICS_TOKEN', 'short', 'must be 16 to 512 characters'],
    ['TESSERA_REDIS_URL', 'http://x', 'must be a redis:// or rediss:// URL'],
    ['TESSERA_REDIS_KEY_PREFIX', 'has space', 'must be 1 to 64 characters'],
    ['TESSERA_REDIS_KEY_PREFIX', 'x'.repeat(65), 'must be 1 to 64 characters'],
    ['LOG_FORMAT', 'xml', 'must be json or pretty'],
  ])('DESIGN.md §4: %s=%s is refused, naming the variable and why', (name, value, reason) => {
    let err: unknown;
    try {
      loadOpsSettings({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems[0]).toMatchObject({ file: 'environment', field: name });
    expect((err as ConfigError).problems[0].reason).toContain(reason);
  });

  it('the metrics token is kept as its SHA-256 only', () => {
    const s = loadOpsSettings({ TESSERA_METRICS_TOKEN: 'metrics-token-0123456789' });
    expect(s.metricsTokenHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(s)).not.toContain('metrics-token-0123456789');
  });
});

describe('isDatabaseUnavailable (issue 13 item 6)', () => {
  it.each<[string, unknown, boolean]>([
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), true],
    ['pool connect timeout', new Error('timeout exceeded when trying to connect'), true],
    ['connection terminated mid-query', new Error('Connection terminated unexpectedly'), true],
    ['server shutting down (SQLSTATE 57P01), wrapped by TypeORM', { message: 'QueryFailedError', driverError: { code: '57P01', message: 'terminating connection due to administrator command' } }, true],
    ['connection exception class 08', { code: '08006', message: 'connection failure' }, true],
    ['unique violation is a refusal, not an outage', { code: '23505', message: 'duplicate key value' }, false],
    ['syntax error is a bug, not an outage', { code: '42601', message: 'syntax error' }, false],
    ['a plain error', new Error('boom'), false],
    ['nothing', undefined, false],
  ])('%s', (_t, err, expected) => {
    expect(isDatabaseUnavailable(err)).toBe(expected);
  });
});
