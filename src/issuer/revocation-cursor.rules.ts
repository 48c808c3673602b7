/**
 * The cursor a poll of the revocation feed hands back (`next` of `GET /revocations`), chosen so
 * that a revocation is never skipped for committing late (DESIGN.md §6 "Revocation").
 *
 * Sequence numbers are taken at INSERT and become visible at COMMIT, so a transaction holding a
 * lower number can commit after a higher one was read. A cursor that jumped over that lower
 * number would never return it. The cursor therefore advances through the events of a page only
 * while they are consecutive (seq = cursor + 1), or while the event after a gap is older than the
 * look-back: the number in the gap was taken even earlier, and a transaction that old has
 * committed or rolled back by now (a rolled-back number leaves a gap forever, which is why
 * age must settle it). Events past the cursor are still returned at once; a poll from the held
 * cursor returns them again, so receivers deduplicate by `seq` (at-least-once delivery).
 *
 * Pure: `nowSeconds` and the events' `createdAt` are Unix seconds.
 * @param from the cursor the receiver sent (exclusive).
 * @param events the page, ascending by `seq` (decimal strings), all above `from`.
 * @returns the next cursor as a decimal string, never below `from`.
 */
export function settledCursor(from: number, events: ReadonlyArray<{ seq: string; createdAt: number }>, nowSeconds: number, lookbackSeconds: number): string {
  let cursor = from;
  for (const e of events) {
    const seq = Number(e.seq);
    if (seq <= cursor) continue;
    if (seq !== cursor + 1 && e.createdAt > nowSeconds - lookbackSeconds) break;
    cursor = seq;
  }
  return String(cursor);
}
