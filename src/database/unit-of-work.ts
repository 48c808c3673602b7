import type { DataSource, EntityManager } from 'typeorm';

/**
 * One database transaction shared by several modules' writes (DESIGN.md §2 "database/"), plus
 * the work that must wait for its commit (announcing, kicking workers, in-memory caches).
 *
 * A module whose operation may be composed into a caller's transaction accepts an optional
 * `UnitOfWork`: with one, it writes only through {@link manager} and defers its after-commit work
 * with {@link afterCommit}; without one, it opens its own with {@link inUnitOfWork}. So an
 * operation spanning modules (e.g. a refresh-token theft that revokes the family AND ends the
 * broker session) commits all or nothing, and nothing is announced for a rolled-back write.
 */
export interface UnitOfWork {
  /** The open transaction's manager: every write of the unit goes through it. */
  readonly manager: EntityManager;
  /** Queues `fn` to run once the transaction has committed (in order); never runs on rollback. */
  afterCommit(fn: () => Promise<void>): void;
}

/**
 * Runs `fn` in one transaction of `dataSource`, then — only if it committed — the after-commit
 * work in the order it was queued. Every queued function runs even if an earlier one failed.
 * @returns what `fn` returned.
 * @throws whatever `fn` threw (the transaction is rolled back, no after-commit work runs), or the
 *   first error of the after-commit work (the transaction is committed then).
 */
export async function inUnitOfWork<T>(dataSource: DataSource, fn: (uow: UnitOfWork) => Promise<T>): Promise<T> {
  const after: Array<() => Promise<void>> = [];
  const result = await dataSource.transaction((manager) => fn({ manager, afterCommit: (f) => void after.push(f) }));
  let first: { error: unknown } | undefined;
  for (const f of after) {
    try {
      await f();
    } catch (error) {
      first ??= { error };
    }
  }
  if (first) throw first.error;
  return result;
}
