import { decideReuse, nextIdleExpiry, sessionStatus, type ReuseDecision, type SessionFacts, type SessionStatus } from '../../../src/sessions/sessions.rules';

const NOW = new Date('2026-12-01T12:00:00Z');
const at = (s: number) => new Date(NOW.getTime() + s * 1000);
const facts = (over: Partial<SessionFacts> = {}): SessionFacts => ({ providerId: 'acme', authTime: at(-600), idleExpiresAt: at(600), absoluteExpiresAt: at(3600), endedAt: null, ...over });

describe('sessionStatus (DESIGN.md §6: idle 1 h, absolute 12 h)', () => {
  it.each<[string, Partial<SessionFacts>, SessionStatus]>([
    ['live while both limits are ahead', {}, 'live'],
    ['idle limit reached', { idleExpiresAt: NOW }, 'idle_expired'],
    ['absolute limit reached', { absoluteExpiresAt: NOW }, 'expired'],
    ['absolute beats idle', { idleExpiresAt: at(-10), absoluteExpiresAt: at(-5) }, 'expired'],
    ['ended beats everything', { endedAt: at(-1), absoluteExpiresAt: at(-5) }, 'ended'],
  ])('%s', (_t, over, expected) => {
    expect(sessionStatus(facts(over), NOW)).toBe(expected);
  });
});

describe('nextIdleExpiry', () => {
  it('moves the idle expiry forward by the idle timeout', () => expect(nextIdleExpiry(NOW, 3600, at(43200))).toEqual(at(3600)));
  it('never past the absolute expiry', () => expect(nextIdleExpiry(NOW, 3600, at(60))).toEqual(at(60)));
});

describe('decideReuse: when a live session answers an authorization request (OIDC Core §3.1.2.1)', () => {
  const now = Math.floor(NOW.getTime() / 1000);
  const session = { providerId: 'acme', authTime: now - 600 };
  it.each<[string, { providerId: string; authTime?: number }, { prompt?: string; maxAge?: number; idpHint?: string }, ReuseDecision]>([
    ['no constraints: reuse', session, {}, { reuse: true }],
    ['prompt=none: reuse (silently)', session, { prompt: 'none' }, { reuse: true }],
    ['OIDC Core §3.1.2.1: prompt=login demands a fresh authentication', session, { prompt: 'login' }, { reuse: false, why: 'prompt_login' }],
    ['prompt=login among other values', session, { prompt: 'select_account login' }, { reuse: false, why: 'prompt_login' }],
    ['OIDC Core §3.1.2.1: max_age older than the authentication', session, { maxAge: 300 }, { reuse: false, why: 'max_age' }],
    ['max_age satisfied', session, { maxAge: 3600 }, { reuse: true }],
    ['max_age exactly the age of the authentication is too old', session, { maxAge: 600 }, { reuse: false, why: 'max_age' }],
    ['max_age=0 always re-authenticates', { providerId: 'acme', authTime: now }, { maxAge: 0 }, { reuse: false, why: 'max_age' }],
    ['OIDC Core §3.1.2.1: an unknown auth_time never satisfies max_age', { providerId: 'acme' }, { maxAge: 86400 }, { reuse: false, why: 'max_age' }],
    ['idp_hint naming the session’s provider: reuse', session, { idpHint: 'acme' }, { reuse: true }],
    ['idp_hint naming another provider goes there', session, { idpHint: 'globex' }, { reuse: false, why: 'other_provider' }],
  ])('%s', (_t, s, q, expected) => {
    expect(decideReuse(s, q, now)).toEqual(expected);
  });
});
