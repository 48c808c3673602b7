/** CAEP session-revoked events (CAEP 1.0 §3.1, RFC 8417 §2.2) from revocation events, as a table. */
import { CAEP_SESSION_REVOKED, caepSessionRevoked } from '../../../src/issuer/caep.rules';

describe('caepSessionRevoked', () => {
  it.each([
    ['a session revocation → session-revoked with an opaque sid', { kind: 'session', subject: 'sid-1', createdAt: 100, data: { reason: 'theft' } }, 'sid-1'],
    ['a session-bound family → session-revoked for its sid', { kind: 'family', subject: 'fam', createdAt: 100, data: { sid: 'sid-2' } }, 'sid-2'],
    ['an offline family (no sid) → nothing', { kind: 'family', subject: 'fam', createdAt: 100, data: {} }, undefined],
    ['a jti → nothing', { kind: 'jti', subject: 'j', createdAt: 100, data: {} }, undefined],
  ])('%s', (_t, event, sid) => {
    const set = caepSessionRevoked(event);
    if (sid === undefined) return expect(set).toBeUndefined();
    expect(set).toEqual({ subId: { format: 'opaque', id: sid }, events: { [CAEP_SESSION_REVOKED]: expect.objectContaining({ event_timestamp: 100 }) } });
  });
});
