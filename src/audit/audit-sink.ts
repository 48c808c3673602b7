/** What happened, for one audit event. Never put tokens, assertions, secrets or cookies in `details`. */
export interface AuditEventInput {
  /** Dotted event type, e.g. `login.started`, `upstream.callback`, `token.issued`. */
  type: string;
  outcome: 'success' | 'failure' | 'info';
  /** Stable reason code (a BrokerError code) for failures and decisions. */
  reason?: string;
  providerId?: string;
  principalId?: string;
  clientId?: string;
  /** Hashed login transaction id, which ties together the events of one login. */
  loginTransactionId?: string;
  details?: Record<string, unknown>;
}

/**
 * The port through which every module audits (DESIGN.md §2: `audit/` through its `AuditSink`
 * port only). Implemented by the append-only audit table.
 */
export abstract class AuditSink {
  /**
   * Appends one event. @throws when it cannot be written: an unaudited login must not succeed
   * silently.
   */
  abstract record(event: AuditEventInput): Promise<void>;
}
