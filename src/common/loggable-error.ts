/**
 * What of an error may go into a log line: its name, message, stable code and stack. Never the
 * whole object: database errors carry the statement's parameters (request values, emails), and
 * HTTP client errors carry request and response bodies.
 */
export function loggableError(err: unknown): { name: string; message: string; code?: string; stack?: string } {
  if (!(err instanceof Error)) return { name: 'NonError', message: typeof err === 'string' ? err : 'non-error value thrown' };
  const code = (err as { code?: unknown }).code;
  return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}), ...(err.stack ? { stack: err.stack } : {}) };
}
