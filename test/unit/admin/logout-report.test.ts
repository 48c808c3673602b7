import { notificationsView, type ReportEvent } from '../../../src/admin/admin-views.rules';

const ev = (type: string, clientId: string | undefined, details: Record<string, unknown>): ReportEvent => ({ type, clientId, details });

describe('logout report: who was told, with what result (issue 7 item 9; OIDC Back-Channel Logout 1.0)', () => {
  it.each<[string, string[], ReportEvent[], string | null, ReturnType<typeof notificationsView>]>([
    [
      'a delivered client, a client without a back-channel URI, upstream not told',
      ['app', 'spa'],
      [ev('logout.backchannel_queued', undefined, { withoutBackchannelUri: ['spa'] }), ev('logout.backchannel_delivered', 'app', { attempt: 1, status: 200 })],
      'logout',
      { clients: [{ clientId: 'app', result: 'delivered', attempts: 1, lastStatus: 200 }, { clientId: 'spa', result: 'not_registered', attempts: 0, lastStatus: null }], upstream: 'not_told' },
    ],
    [
      'a failure that will be retried is pending; the latest attempt wins, whatever the order of events',
      ['app'],
      [ev('logout.backchannel_failed', 'app', { attempt: 2, status: 503, final: false }), ev('logout.backchannel_failed', 'app', { attempt: 1, status: 500, final: false })],
      'admin',
      { clients: [{ clientId: 'app', result: 'pending', attempts: 2, lastStatus: 503 }], upstream: 'not_told' },
    ],
    [
      'a final failure is failed; the logout continued at the IdP',
      ['app'],
      [ev('logout.backchannel_failed', 'app', { attempt: 6, error: 'timeout', final: true }), ev('upstream.logout_started', undefined, {})],
      'logout',
      { clients: [{ clientId: 'app', result: 'failed', attempts: 6, lastStatus: null }], upstream: 'told' },
    ],
    ['B38: a client of the session with no event yet is pending, never left out', ['app'], [], 'limit', { clients: [{ clientId: 'app', result: 'pending', attempts: 0, lastStatus: null }], upstream: 'not_told' }],
    ['the IdP ended it (upstream back-channel logout)', [], [], 'upstream_logout', { clients: [], upstream: 'ended_by_upstream' }],
  ])('%s', (_title, clients, events, reason, expected) => {
    expect(notificationsView(clients, events, reason)).toEqual(expected);
  });
});
