/**
 * Issue 13 item 5, docs/operations.md "Abuse limits": while the shared counter storage (Redis)
 * fails, the limits count in this process (fail open to local counting), log the outage once and
 * its end once, ask the shared storage again at most once per retry interval, and switch back on
 * its first answer. The in-process counter keeps the fixed-window semantics of the shared ones.
 */
import type { ThrottlerStorage } from '@nestjs/throttler';
import { FixedClock } from '../../../src/common';
import { FailoverStorage, MemoryThrottlerStorage } from '../../../src/limits/failover.storage';
import type { LimitRecord } from '../../../src/limits/postgres-throttler.storage';

const WINDOW = 60_000;

/** A shared storage that answers with a fixed record, or fails while `down`; counts the calls it got. */
class Switchable implements ThrottlerStorage {
  down = false;
  calls = 0;
  async increment(): Promise<LimitRecord> {
    this.calls += 1;
    if (this.down) throw new Error('Stream isn\'t writeable and enableOfflineQueue options is false');
    return { totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 };
  }
}

describe('MemoryThrottlerStorage: fixed window and block, as the PostgreSQL and Redis storages count (issue 13 item 5)', () => {
  it.each([
    // [hits, limit, expected totalHits of the last hit, blocked after the last hit]
    [1, 3, 1, false],
    [3, 3, 3, false],
    [4, 3, 4, true],
  ])('%i hits with limit %i: totalHits %i, blocked %s', async (hits, limit, total, blocked) => {
    const s = new MemoryThrottlerStorage(new FixedClock(new Date('2026-01-01T00:00:00Z')));
    let r: LimitRecord | undefined;
    for (let i = 0; i < hits; i++) r = await s.increment('k', WINDOW, limit, WINDOW);
    expect(r).toMatchObject({ totalHits: total, isBlocked: blocked, timeToExpire: 60 });
    expect(r?.timeToBlockExpire).toBe(blocked ? 60 : 0);
  });

  it('a block holds for its duration, then a new window starts from one; keys count apart', async () => {
    const clock = new FixedClock(new Date('2026-01-01T00:00:00Z'));
    const s = new MemoryThrottlerStorage(clock);
    for (let i = 0; i < 3; i++) await s.increment('k', WINDOW, 2, WINDOW);
    expect((await s.increment('other', WINDOW, 2, WINDOW)).totalHits).toBe(1);
    clock.advance(30_000);
    expect(await s.increment('k', WINDOW, 2, WINDOW)).toMatchObject({ isBlocked: true, timeToBlockExpire: 30 });
    clock.advance(30_000);
    expect(await s.increment('k', WINDOW, 2, WINDOW)).toMatchObject({ totalHits: 1, isBlocked: false });
  });
});

describe('FailoverStorage: fail open to per-process counting while Redis does not answer (issue 13 item 5)', () => {
  it('counts in the fallback during an outage, logs it once, retries once per interval, switches back and logs that once', async () => {
    const clock = new FixedClock(new Date('2026-01-01T00:00:00Z'));
    const shared = new Switchable();
    const events: string[] = [];
    const s = new FailoverStorage(shared, new MemoryThrottlerStorage(clock), clock, { down: (reason) => events.push(`down:${reason}`), up: () => events.push('up') }, 1000);
    expect((await s.increment('k', WINDOW, 2, WINDOW, 'client')).totalHits).toBe(1); // the shared answer
    shared.down = true;
    const during: LimitRecord[] = [];
    for (let i = 0; i < 3; i++) during.push(await s.increment('k', WINDOW, 2, WINDOW, 'client'));
    // Local counting from zero: the limit still holds in this process.
    expect(during.map((r) => [r.totalHits, r.isBlocked])).toEqual([[1, false], [2, false], [3, true]]);
    // One try of the shared storage at the failure; none again within the retry interval.
    expect(shared.calls).toBe(2);
    clock.advance(1000);
    await s.increment('k', WINDOW, 2, WINDOW, 'client');
    expect(shared.calls).toBe(3); // retried, still down
    expect(events).toEqual(["down:Stream isn't writeable and enableOfflineQueue options is false"]);
    shared.down = false;
    clock.advance(1000);
    expect((await s.increment('k', WINDOW, 2, WINDOW, 'client')).totalHits).toBe(1); // the shared answer again
    await s.increment('k', WINDOW, 2, WINDOW, 'client');
    expect(shared.calls).toBe(5);
    expect(events).toEqual(["down:Stream isn't writeable and enableOfflineQueue options is false", 'up']);
  });
});
