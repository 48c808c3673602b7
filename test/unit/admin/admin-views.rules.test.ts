/**
 * What the admin API shows of sessions (issue 7 items 4 and 9; DESIGN.md §6), table by table:
 * the state of a session, its JSON view with ISO times, the order of a list, the logout report
 * read from a `session.ended` audit event.
 */
import { adminSessionView, endReportView, isoOfSeconds, logoutReportView, newestFirst, sessionState, type SessionRecord, type SessionState } from '../../../src/admin/admin-views.rules';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0) / 1000;
const record = (over: Partial<SessionRecord> = {}): SessionRecord => ({
  sid: '11111111-1111-4111-8111-111111111111',
  principalId: '22222222-2222-4222-8222-222222222222',
  providerId: 'acme',
  upstreamSessionId: 'upstream-sid',
  groups: ['acme:staff'],
  authTime: NOW - 700,
  acr: 'urn:acr:mfa',
  amr: ['pwd', 'otp'],
  createdAt: NOW - 600,
  lastSeenAt: NOW - 60,
  idleExpiresAt: NOW + 3540,
  absoluteExpiresAt: NOW + 42600,
  clients: ['app', 'spa'],
  ...over,
});

describe('sessionState (DESIGN.md §6: ended beats expired, the absolute expiry beats the idle one)', () => {
  it.each<[string, Partial<SessionRecord>, SessionState]>([
    ['both limits ahead: live', {}, 'live'],
    ['idle expiry reached', { idleExpiresAt: NOW }, 'idle_expired'],
    ['absolute expiry reached', { absoluteExpiresAt: NOW }, 'expired'],
    ['absolute beats idle', { idleExpiresAt: NOW - 10, absoluteExpiresAt: NOW - 5 }, 'expired'],
    ['ended beats every expiry', { endedAt: NOW - 1, absoluteExpiresAt: NOW - 5 }, 'ended'],
  ])('%s', (_t, over, expected) => {
    expect(sessionState(record(over), NOW)).toBe(expected);
  });
});

describe('adminSessionView (issue 7 item 4)', () => {
  it('times are ISO 8601 UTC; the upstream session id and the groups are not shown', () => {
    const view = adminSessionView(record(), NOW);
    expect(view).toEqual({
      sid: '11111111-1111-4111-8111-111111111111',
      principalId: '22222222-2222-4222-8222-222222222222',
      provider: 'acme',
      state: 'live',
      createdAt: '2026-12-01T11:50:00.000Z',
      lastSeenAt: '2026-12-01T11:59:00.000Z',
      idleExpiresAt: '2026-12-01T12:59:00.000Z',
      absoluteExpiresAt: '2026-12-01T23:50:00.000Z',
      authTime: '2026-12-01T11:48:20.000Z',
      acr: 'urn:acr:mfa',
      amr: ['pwd', 'otp'],
      ended: false,
      endedAt: null,
      endReason: null,
      clients: ['app', 'spa'],
    });
    expect(JSON.stringify(view)).not.toContain('upstream-sid');
  });

  it.each<[string, Partial<SessionRecord>, Partial<ReturnType<typeof adminSessionView>>]>([
    ['an ended session names when and why', { endedAt: NOW - 30, endReason: 'admin' }, { state: 'ended', ended: true, endedAt: '2026-12-01T11:59:30.000Z', endReason: 'admin' }],
    ['no auth_time, acr or amr: null, null, []', { authTime: undefined, acr: undefined, amr: undefined }, { authTime: null, acr: null, amr: [] }],
    ['no clients yet', { clients: [] }, { clients: [] }],
  ])('%s', (_t, over, expected) => {
    expect(adminSessionView(record(over), NOW)).toMatchObject(expected);
  });
});

describe('newestFirst', () => {
  it('orders by creation, newest first, and keeps the given order within one second (stable)', () => {
    const s = (sid: string, createdAt: number) => record({ sid, createdAt });
    const sorted = newestFirst([s('a', NOW - 100), s('b', NOW - 10), s('c', NOW - 10), s('d', NOW - 50)]);
    expect(sorted.map((x) => x.sid)).toEqual(['b', 'c', 'd', 'a']);
  });
});

describe('logoutReportView (issue 7 item 9: the session.ended audit event is the logout report)', () => {
  const occurredAt = new Date('2026-12-01T12:00:01.250Z');
  it.each<[string, Record<string, unknown>, string | undefined, ReturnType<typeof logoutReportView>]>([
    [
      'the event as SessionService.end writes it',
      { sid: 's1', clients: ['app', 'spa'] },
      'admin',
      { endedAt: '2026-12-01T12:00:01.250Z', reason: 'admin', clients: ['app', 'spa'], details: { sid: 's1', clients: ['app', 'spa'] } },
    ],
    [
      'details a logout channel added are returned as written',
      { sid: 's1', clients: ['app'], backchannel: [{ clientId: 'app', result: 'queued' }], upstream: { provider: 'acme', told: false } },
      'logout',
      { endedAt: '2026-12-01T12:00:01.250Z', reason: 'logout', clients: ['app'], details: { sid: 's1', clients: ['app'], backchannel: [{ clientId: 'app', result: 'queued' }], upstream: { provider: 'acme', told: false } } },
    ],
    ['clients that are not a list of strings are read as []', { sid: 's1', clients: 'app' }, undefined, { endedAt: '2026-12-01T12:00:01.250Z', reason: null, clients: [], details: { sid: 's1', clients: 'app' } }],
    ['non-string entries are dropped', { clients: ['app', 7, null] }, 'user', { endedAt: '2026-12-01T12:00:01.250Z', reason: 'user', clients: ['app'], details: { clients: ['app', 7, null] } }],
  ])('%s', (_t, details, reason, expected) => {
    expect(logoutReportView({ occurredAt, details, ...(reason === undefined ? {} : { reason }) })).toEqual(expected);
  });
});

describe('endReportView', () => {
  it('is the SessionEndReport with an ISO time', () => {
    expect(endReportView({ sid: 's', principalId: 'p', reason: 'admin', endedAt: NOW, clients: ['app'] })).toEqual({ sid: 's', principalId: 'p', reason: 'admin', endedAt: isoOfSeconds(NOW), clients: ['app'] });
    expect(isoOfSeconds(NOW)).toBe('2026-12-01T12:00:00.000Z');
  });
});
