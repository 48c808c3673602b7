/**
 * Per-receiver delivery state of the CAEP poll (RFC 8936 §2.4: "Polling Delivery using HTTP"),
 * as pure functions over sequence numbers. The service (caep-delivery.service.ts) reads and
 * writes the state under a row lock; these rules decide what it becomes.
 *
 * A receiver's state is a settled cursor plus the acknowledged numbers above it:
 * - every number at or below `settled` is done for this receiver: acknowledged (`ack` or
 *   `setErrs`, RFC 8936 §2.4.1), carried no SET for it (a revocation kind CAEP does not carry), or
 *   a gap that can no longer fill (see {@link settleDelivery});
 * - `acked` holds acknowledged numbers above `settled`, ascending, without duplicates.
 *
 * Everything above `settled` that carries a SET and is not in `acked` is pending: it is returned
 * on every poll until acknowledged (RFC 8936 §2.4: the transmitter re-delivers SETs that were not
 * acknowledged; acknowledged SETs are not sent again).
 *
 * Sequence numbers are taken at INSERT and visible at COMMIT, so a lower number can appear after
 * a higher one was acknowledged: `settled` therefore moves with the same gap rule as the JSON
 * poll's cursor (revocation-cursor.rules.ts `settledCursor`): through consecutive numbers, or past
 * a gap once the event after it is older than the look-back.
 */

/** One receiver's delivery state. Sequence numbers as JS numbers (below 2^53). */
export interface ReceiverDelivery {
  /** Every number at or below it is done for this receiver. */
  settled: number;
  /** Acknowledged numbers above `settled`, ascending, unique. */
  acked: readonly number[];
}

/** A revocation event as far as delivery needs it. `createdAt` in Unix seconds. */
export interface FeedEntry {
  seq: number;
  createdAt: number;
  /** True when the event carries a SET for CAEP (caep.rules.ts `caepSessionRevoked`). */
  deliverable: boolean;
}

/**
 * Records acknowledgements (`ack` and the keys of `setErrs`, RFC 8936 §2.4.1). Only numbers above
 * `settled` that name an existing deliverable event (`deliverable`) count; others are ignored
 * (already settled, unknown, expired, or a kind the receiver never got as a SET).
 * @returns the new state and the numbers accepted (ascending, unique; may include ones acknowledged before).
 */
export function recordAcks(state: ReceiverDelivery, requested: readonly number[], deliverable: ReadonlySet<number>): { state: ReceiverDelivery; accepted: number[] } {
  const accepted = [...new Set(requested.filter((n) => n > state.settled && deliverable.has(n)))].sort((a, b) => a - b);
  const acked = [...new Set([...state.acked, ...accepted])].sort((a, b) => a - b);
  return { state: { settled: state.settled, acked }, accepted };
}

/**
 * Advances `settled` through done numbers and prunes `acked` at or below it. A number is done when
 * acknowledged, or when its event carries no SET. The cursor moves to the next number when that
 * number is acknowledged (it committed: the receiver saw it), or to the next event in `entries`
 * that is done and either follows the cursor directly (seq = settled + 1) or is older than
 * `lookbackSeconds` at `nowSeconds` (a gap before it was taken even earlier and has committed or
 * rolled back by now). It stops at the first pending event or at a recent gap.
 *
 * @param entries events above `state.settled`, ascending by `seq` (others are passed over).
 * @returns the new state; `settled` never below the one given.
 */
export function settleDelivery(state: ReceiverDelivery, entries: readonly FeedEntry[], nowSeconds: number, lookbackSeconds: number): ReceiverDelivery {
  const acked = new Set(state.acked);
  let cursor = state.settled;
  let i = 0;
  for (;;) {
    if (acked.has(cursor + 1)) {
      cursor += 1;
      continue;
    }
    while (i < entries.length && entries[i].seq <= cursor) i++;
    if (i >= entries.length) break;
    const e = entries[i];
    if (e.deliverable && !acked.has(e.seq)) break;
    if (e.seq !== cursor + 1 && e.createdAt > nowSeconds - lookbackSeconds) break;
    cursor = e.seq;
  }
  return { settled: cursor, acked: state.acked.filter((n) => n > cursor) };
}

/**
 * The pending events to deliver (RFC 8936 §2.4.2): deliverable, above `settled`, not acknowledged,
 * oldest first, at most `maxEvents` (0 = none: the receiver only acknowledges, §2.4.1).
 * @returns their numbers and `moreAvailable` (more pending than returned).
 */
export function pendingDelivery(state: ReceiverDelivery, entries: readonly FeedEntry[], maxEvents: number): { seqs: number[]; moreAvailable: boolean } {
  const acked = new Set(state.acked);
  const pending = entries.filter((e) => e.seq > state.settled && e.deliverable && !acked.has(e.seq)).map((e) => e.seq);
  return { seqs: pending.slice(0, Math.max(0, maxEvents)), moreAvailable: pending.length > maxEvents };
}
