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

/** SQLSTATE classes and codes meaning "the server is not there" (PostgreSQL docs, Appendix A). */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** Node/pg error codes and messages of a connection that failed, broke or timed out. */
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connect ECONNREFUSED|Client has encountered a connection error|Connection is not established|terminating connection due to administrator command|the database system is (shutting down|starting up)/i;

/**
 * True when `err` says the database cannot be reached right now (refused, broken or timed-out
 * connection, server shutting down or starting, SQLSTATE class 08 connection exception), as
 * opposed to a query the database refused. Such errors are answered 503 with Retry-After.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown } | null | undefined, depth = 0; e && depth < 5; depth++) {
    const code = typeof e.code === 'string' ? e.code : undefined;
    if (code && (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08') || UNAVAILABLE_ERRNOS.has(code))) return true;
    if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message)) return true;
    e = (e.driverError ?? e.cause) as typeof e;
  }
  return false;
}
