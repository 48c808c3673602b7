/** One stored audit event, as {@link AuditReader} returns it. */
export interface AuditEventRecord {
  /** The row's sequence number (a bigint, as text): later events have larger ids. */
  id: string;
  occurredAt: Date;
  type: string;
  outcome: 'success' | 'failure' | 'info';
  reason?: string;
  providerId?: string;
  principalId?: string;
  clientId?: string;
  /** As written through {@link AuditSink}: never tokens, assertions, secrets or cookies. */
  details: Record<string, unknown>;
}

/** Which events {@link AuditReader.eventsFor} returns: all conditions given must hold. */
export interface AuditEventQuery {
  /** Dotted event type, e.g. `session.ended`. */
  type: string;
  /** Only events about this broker session (`details.sid`). */
  sid?: string;
  /** Only events about this principal. */
  principalId?: string;
  /** At most this many events (default 50, at most 500). */
  limit?: number;
}

/**
 * The read port of the audit trail (DESIGN.md §2: `audit/` is used through its ports only), for
 * the admin API: the logout report of a session is its latest `session.ended` event.
 */
export abstract class AuditReader {
  /** Events matching `query`, newest first. */
  abstract eventsFor(query: AuditEventQuery): Promise<AuditEventRecord[]>;
}
