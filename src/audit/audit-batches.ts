import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';

/**
 * The audit events of one HTTP request (issue 13 item 7: a login step's events in one
 * statement). Open while the request is handled; closed when its rows are written, after which
 * an event of the same request is written on its own.
 */
export interface AuditBatch {
  rows: Array<Record<string, unknown>>;
  open: boolean;
}

/** The batch of the current async context, if any (an HTTP request under {@link AuditBatchMiddleware}). */
@Injectable()
export class AuditBatches {
  private readonly storage = new AsyncLocalStorage<AuditBatch>();

  /** The open batch of the caller's request, or undefined (no request, or already written). */
  current(): AuditBatch | undefined {
    const batch = this.storage.getStore();
    return batch?.open ? batch : undefined;
  }

  /** Runs `fn` with a new open batch as the context's batch; returns the batch. */
  run(fn: () => void): AuditBatch {
    const batch: AuditBatch = { rows: [], open: true };
    this.storage.run(batch, fn);
    return batch;
  }
}

