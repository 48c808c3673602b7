import type { AuditEventInput } from './audit-sink';

/** An audit event as written, with the time it was recorded. */
export interface AuditedEvent extends AuditEventInput {
  occurredAt: Date;
}

/** Called synchronously, in the caller's async context, after an event is written; must not throw or block. */
export type AuditListener = (event: AuditedEvent) => void;

/**
 * The observer port of the audit trail (DESIGN.md §2: audit/ through its ports): modules that
 * derive something from what happened (metrics, trace spans) subscribe here once, so the modules
 * that audit need no metrics or tracing code. A listener that throws is ignored (and logged).
 */
export abstract class AuditListeners {
  /** Adds `listener`; returns a function that removes it. */
  abstract subscribe(listener: AuditListener): () => void;
}
