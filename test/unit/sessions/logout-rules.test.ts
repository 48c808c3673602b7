/**
 * Back-channel logout delivery rules (OpenID Connect Back-Channel Logout 1.0 §2.8; DESIGN.md §6
 * "Logout"; shared/bugs B38), table by table.
 */
import { afterFailure, backchannelTargets, isAcknowledged } from '../../../src/sessions/logout.rules';
import { DEFAULT_BACKCHANNEL_RETRY_SECONDS, type BackchannelClient } from '../../../src/sessions/sessions.module';

const NOW = new Date('2026-12-01T12:00:00Z');
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

describe('Back-Channel Logout 1.0 §2.8: which answers acknowledge a logout token', () => {
  it.each([
    [200, true],
    [204, true],
    [201, false],
    [202, false],
    [302, false],
    [400, false],
    [500, false],
    [503, false],
  ])('HTTP %i → %s', (status, acknowledged) => {
    expect(isAcknowledged(status)).toBe(acknowledged);
  });
});

describe('DESIGN.md §6: retries with backoff, then give up', () => {
  it.each([
    [1, { giveUp: false, retryAt: at(5) }],
    [2, { giveUp: false, retryAt: at(30) }],
    [3, { giveUp: false, retryAt: at(120) }],
    [4, { giveUp: false, retryAt: at(600) }],
    [5, { giveUp: false, retryAt: at(3600) }],
    [6, { giveUp: true }],
    [7, { giveUp: true }],
    [0, { giveUp: true }],
    [1.5, { giveUp: true }],
  ])('default schedule: after failed attempt %s', (attempt, expected) => {
    expect(afterFailure(attempt, DEFAULT_BACKCHANNEL_RETRY_SECONDS, NOW)).toEqual(expected);
  });

  it('the default schedule makes six attempts in all (5 s, 30 s, 2 min, 10 min, 1 h)', () => {
    expect(DEFAULT_BACKCHANNEL_RETRY_SECONDS).toEqual([5, 30, 120, 600, 3600]);
    const attempts = [1, 2, 3, 4, 5, 6, 7].filter((n) => n === 1 || !afterFailure(n - 1, DEFAULT_BACKCHANNEL_RETRY_SECONDS, NOW).giveUp);
    expect(attempts).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a short schedule (TESSERA_BACKCHANNEL_RETRY_SECONDS=1) retries once, one second later', () => {
    expect(afterFailure(1, [1], NOW)).toEqual({ giveUp: false, retryAt: at(1) });
    expect(afterFailure(2, [1], NOW)).toEqual({ giveUp: true });
  });
});

describe('shared/bugs B38: every client of the session is either queued or named as not notifiable', () => {
  const configured = new Map<string, BackchannelClient>([
    ['rp1', { uri: 'https://rp1.example/bc', sessionRequired: true, alg: 'RS256' }],
    ['rp2', { uri: 'https://rp2.example/bc', sessionRequired: false, alg: 'ES256' }],
  ]);
  it.each([
    [[], { queued: [], skipped: [] }],
    [['rp1'], { queued: ['rp1'], skipped: [] }],
    [['spa', 'rp2', 'rp1'], { queued: ['rp2', 'rp1'], skipped: ['spa'] }],
    [['rp1', 'rp1', 'app'], { queued: ['rp1'], skipped: ['app'] }],
  ])('clients %j', (clients, expected) => {
    expect(backchannelTargets(clients, configured)).toEqual(expected);
  });
});
