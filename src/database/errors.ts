/** PostgreSQL SQLSTATE for unique_violation (PostgreSQL docs, Appendix A). */
const UNIQUE_VIOLATION = '23505';

/**
 * True when `err` is a unique-constraint violation from PostgreSQL (server or PGlite), as
 * surfaced by TypeORM's QueryFailedError (`driverError.code`) or by `pg` directly (`code`).
 */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } } | null;
  return e?.code === UNIQUE_VIOLATION || e?.driverError?.code === UNIQUE_VIOLATION;
}
