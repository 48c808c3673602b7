import { pendingDelivery, recordAcks, settleDelivery, type FeedEntry, type ReceiverDelivery } from '../../../src/issuer/caep-delivery.rules';

const NOW = 1_800_000_000;
const LOOKBACK = 30;
/** A deliverable (CAEP) event `ageSeconds` old. */
const set = (seq: number, ageSeconds = 1): FeedEntry => ({ seq, createdAt: NOW - ageSeconds, deliverable: true });
/** An event CAEP does not carry (e.g. a `jti` revocation). */
const other = (seq: number, ageSeconds = 1): FeedEntry => ({ seq, createdAt: NOW - ageSeconds, deliverable: false });
const st = (settled: number, acked: number[] = []): ReceiverDelivery => ({ settled, acked });

describe('recordAcks: RFC 8936 §2.4.1 `ack` / `setErrs` count only for existing deliverable SETs above the settled cursor', () => {
  it.each([
    ['a delivered SET is recorded', st(5), [7], [7], st(5, [7]), [7]],
    ['an ack at or below the settled cursor is ignored', st(5), [3, 5], [3, 5], st(5), []],
    ['an unknown number (no such deliverable event) is ignored', st(5), [9], [7], st(5), []],
    ['duplicates collapse; the set stays ascending and merges with earlier acks', st(5, [9]), [8, 7, 8], [7, 8], st(5, [7, 8, 9]), [7, 8]],
    ['re-acknowledging is harmless', st(5, [7]), [7], [7], st(5, [7]), [7]],
  ])('%s', (_t, state, requested, deliverable, expected, accepted) => {
    const out = recordAcks(state as ReceiverDelivery, requested as number[], new Set(deliverable as number[]));
    expect(out.state).toEqual(expected);
    expect(out.accepted).toEqual(accepted);
  });
});

describe('settleDelivery: the settled cursor passes only done numbers and gaps that can no longer fill (RFC 8936 §2.4, DESIGN.md §6 Revocation)', () => {
  it.each([
    ['nothing above the cursor keeps it', st(7), [], st(7)],
    ['a pending (unacknowledged) SET holds it', st(7), [set(8)], st(7)],
    ['acknowledged consecutive SETs advance it and are pruned', st(7, [8, 9]), [set(8), set(9), set(10)], st(9)],
    ['events CAEP does not carry are done by themselves', st(7), [other(8), other(9), set(10)], st(9)],
    ['an acknowledged SET after a recent gap stays acknowledged above the cursor (the gap may still commit)', st(7, [10]), [set(8, 1), set(10, 1)], st(7, [10])],
    ['once the pending SET before it is acknowledged, the cursor stops at the recent gap', st(7, [8, 10]), [set(8, 5), set(10, 5)], st(8, [10])],
    ['a gap is settled once the event after it is older than the look-back', st(7, [8, 10]), [set(8, 60), set(10, 40)], st(10)],
    ['exactly at the look-back counts as settled', st(7), [other(9, LOOKBACK)], st(9)],
    ['the late commit filling the gap is pending, and holds the cursor', st(8, [10]), [set(9, 0), set(10, 5)], st(8, [10])],
    ['acknowledged numbers whose events expired still advance it when consecutive', st(7, [8, 9]), [], st(9)],
    ['a pending SET after settled work: stops before it, later acks kept', st(7, [8, 11]), [set(8), other(9), set(10), set(11)], st(9, [11])],
    ['events at or below the cursor (a re-read) are passed over', st(10), [set(9), other(11)], st(11)],
  ])('%s', (_t, state, entries, expected) => {
    expect(settleDelivery(state as ReceiverDelivery, entries as FeedEntry[], NOW, LOOKBACK)).toEqual(expected);
  });

  it('never moves the cursor backwards and never drops an ack above it', () => {
    for (let from = 0; from < 20; from++) {
      const out = settleDelivery(st(from, [from + 3]), [set(from + 1, 0), set(from + 3, 100)], NOW, LOOKBACK);
      expect(out.settled).toBeGreaterThanOrEqual(from);
      expect(out.acked.every((n) => n > out.settled)).toBe(true);
      expect(out.settled >= from + 3 || out.acked.includes(from + 3)).toBe(true);
    }
  });
});

describe('pendingDelivery: RFC 8936 §2.4.2 `sets` holds unacknowledged SETs oldest first, bounded by maxEvents, with moreAvailable', () => {
  it.each([
    ['all pending when under the bound', st(7, [9]), [set(8), set(9), other(10), set(11)], 10, [8, 11], false],
    ['bounded by maxEvents, moreAvailable when more wait', st(7), [set(8), set(9), set(10)], 2, [8, 9], true],
    ['exactly maxEvents pending: none more', st(7), [set(8), set(9)], 2, [8, 9], false],
    ['maxEvents 0 returns none (acknowledge only) but says whether more wait', st(7), [set(8)], 0, [], true],
    ['nothing pending', st(7, [8]), [set(8), other(9)], 5, [], false],
  ])('%s', (_t, state, entries, max, seqs, more) => {
    expect(pendingDelivery(state as ReceiverDelivery, entries as FeedEntry[], max as number)).toEqual({ seqs, moreAvailable: more });
  });
});
