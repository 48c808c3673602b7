import { settledCursor } from '../../../src/issuer/revocation-cursor.rules';

const NOW = 1_800_000_000;
const LOOKBACK = 30;
const ev = (seq: number, ageSeconds: number) => ({ seq: String(seq), createdAt: NOW - ageSeconds });

describe('settledCursor: the JSON poll never moves past a number that may still commit (DESIGN.md §6 Revocation)', () => {
  it.each([
    ['an empty page keeps the cursor', 7, [], '7'],
    ['consecutive recent events advance it to the last', 7, [ev(8, 1), ev(9, 1), ev(10, 0)], '10'],
    ['a recent gap holds it before the gap (seq 9 may still commit)', 7, [ev(8, 1), ev(10, 1), ev(11, 0)], '8'],
    ['a gap right after the cursor holds it where it was', 7, [ev(9, 2)], '7'],
    ['a gap older than the look-back is settled (rolled back or committed long ago)', 7, [ev(8, 100), ev(10, 40), ev(11, 35)], '11'],
    ['an old gap, then a recent one: advances through the old, stops at the recent', 7, [ev(9, 60), ev(10, 50), ev(12, 5)], '10'],
    ['exactly at the look-back counts as settled', 7, [ev(9, LOOKBACK)], '9'],
    ['events at or below the cursor (a re-read) are passed over', 10, [ev(9, 1), ev(11, 1)], '11'],
    ['from 0 with the first row numbered 1', 0, [ev(1, 0)], '1'],
  ])('%s', (_t, from, events, next) => {
    expect(settledCursor(from as number, events as Array<{ seq: string; createdAt: number }>, NOW, LOOKBACK)).toBe(next);
  });

  it('never returns a cursor below the one sent', () => {
    for (let from = 0; from < 20; from++) {
      const events = [ev(from + 2, 0), ev(from + 3, 100)];
      expect(Number(settledCursor(from, events, NOW, LOOKBACK))).toBeGreaterThanOrEqual(from);
    }
  });
});
