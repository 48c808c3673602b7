/**
 * DESIGN.md §6 rotation rules as a table (shared/bugs B18, B19, B50): what a replay of a token that
 * was no longer active leads to, and a new family's lifetimes.
 */
import { MAX_GRACE_REPLAYS, RACER_WINDOW_MS, decideReplay, familyLifetime, isRefreshTokenShape, type PresentedToken } from '../../../src/tokens/refresh.rules';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const rotated = (over: Partial<PresentedToken> = {}): PresentedToken => ({
  state: 'rotated',
  clientId: 'app',
  rotatedAt: T0,
  replayCount: 0,
  successorBoxExpiresAt: at(30_000),
  childState: 'active',
  ...over,
});

describe('decideReplay (DESIGN.md §6 "Grace window", "Any other reuse is theft")', () => {
  const rows: Array<[string, PresentedToken, { clientId?: string; graceSeconds?: number; now: number; arrivedAt?: number }, string]> = [
    ['B19: a racer 13 ms after the rotation gets the same successor, uncounted', rotated(), { now: 13, arrivedAt: 13 }, 'grace:false'],
    ['B19: a replay 5 s after the rotation, inside 30 s, counted', rotated(), { now: 5000, arrivedAt: 5000 }, 'grace:true'],
    ['DESIGN.md §6: the 11th counted replay is theft', rotated({ replayCount: MAX_GRACE_REPLAYS }), { now: 5000, arrivedAt: 5000 }, 'theft'],
    ['B19: racers are not capped', rotated({ replayCount: MAX_GRACE_REPLAYS }), { now: RACER_WINDOW_MS - 1, arrivedAt: RACER_WINDOW_MS - 1 }, 'grace:false'],
    ['B19: exactly at the end of the window is theft', rotated(), { now: 30_000, arrivedAt: 30_000 }, 'theft'],
    ['B50: grace 0 makes every reuse theft, even a racer', rotated({ successorBoxExpiresAt: null }), { graceSeconds: 0, now: 1, arrivedAt: 1 }, 'theft'],
    ['B50 (b): not the immediate parent (the successor was used) is theft', rotated({ childState: 'rotated' }), { now: 10, arrivedAt: 10 }, 'theft'],
    ['DESIGN.md §6: no kept successor is theft', rotated({ successorBoxExpiresAt: null }), { now: 10, arrivedAt: 10 }, 'theft'],
    ['issue 8 Bad input: another client\'s token is unknown, family untouched', rotated(), { clientId: 'other', now: 10 }, 'unknown'],
    ['an already revoked token is unknown', rotated({ state: 'revoked' }), { now: 10 }, 'unknown'],
  ];
  it.each(rows)('%s', (_title, token, input, expected) => {
    const d = decideReplay(token, { clientId: input.clientId ?? 'app', graceSeconds: input.graceSeconds ?? 30, now: at(input.now), ...(input.arrivedAt !== undefined ? { arrivedAt: at(input.arrivedAt) } : {}) });
    expect(d.kind === 'grace' ? `grace:${d.counted}` : d.kind).toBe(expected);
  });
});

describe('familyLifetime (DESIGN.md §6 "Lifetimes")', () => {
  it('a session-bound family ends with its session', () => {
    const end = at(12 * 3600_000);
    expect(familyLifetime({ now: T0, offline: false, sessionAbsoluteExpiresAt: end })).toEqual({ idleExpiresAt: end, absoluteExpiresAt: end });
  });
  it('offline_access: idle 30 d, absolute 90 d by default', () => {
    expect(familyLifetime({ now: T0, offline: true })).toEqual({ idleExpiresAt: at(30 * 86400_000), absoluteExpiresAt: at(90 * 86400_000) });
  });
  it('offline overrides are capped at the defaults, and idle never passes absolute', () => {
    expect(familyLifetime({ now: T0, offline: true, idleSecondsOverride: 99 * 86400, absoluteSecondsOverride: 999 * 86400 })).toEqual({ idleExpiresAt: at(30 * 86400_000), absoluteExpiresAt: at(90 * 86400_000) });
    expect(familyLifetime({ now: T0, offline: true, idleSecondsOverride: 7200, absoluteSecondsOverride: 3600 })).toEqual({ idleExpiresAt: at(3600_000), absoluteExpiresAt: at(3600_000) });
  });
});

describe('isRefreshTokenShape (issue 8 Bad input)', () => {
  it.each([
    ['a 256-bit base64url token', 'A'.repeat(43), true],
    ['too short', 'A'.repeat(42), false],
    ['oversized', 'A'.repeat(5000), false],
    ['non-ASCII', 'ä'.repeat(43), false],
    ['a JWT', 'a.b.c', false],
    ['not a string', 42, false],
  ])('%s', (_t, value, expected) => {
    expect(isRefreshTokenShape(value)).toBe(expected);
  });
});
