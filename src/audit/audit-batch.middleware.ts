import { Inject, Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AuditBatches, type AuditBatch } from './audit-batches';
import { AuditService } from './audit.service';

/** Headers a refused response must not keep: it no longer redirects, sets cookies or has that body. */
const DROPPED_ON_FAILURE = ['location', 'set-cookie', 'content-length', 'content-type', 'etag'];

/**
 * Collects the audit events recorded while a request is handled and writes them in ONE INSERT
 * just before the response goes out (the way express-session saves a session: `res.end` waits
 * for the write). A request that recorded nothing is not delayed. Events are never lost on a
 * failure path: error responses also end through `res.end`, and a request whose client went
 * away writes its events when the connection closes. When the write fails the response is not
 * sent as decided when it was a success (an unaudited login must not succeed silently): it becomes
 * a 503 with `Retry-After`; an error answer goes out unchanged. The failure is logged (every event was already
 * mirrored to the log when recorded).
 */
@Injectable()
export class AuditBatchMiddleware implements NestMiddleware {
  private readonly log = new Logger('audit');

  constructor(
    @Inject(AuditBatches) private readonly batches: AuditBatches,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  use(req: Request, res: Response, next: NextFunction): void {
    let batch: AuditBatch | undefined;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    let ending = false;
    res.end = ((...args: unknown[]) => {
      if (ending || !batch || batch.rows.length === 0) {
        if (batch) batch.open = false;
        return end(...args);
      }
      ending = true;
      this.audit.flush(batch).then(
        () => end(...args),
        (err: unknown) => {
          this.log.error({ msg: 'audit batch not written; response refused', path: req.path, err: (err as Error)?.message });
          // An error answer goes out as decided (it grants nothing); a success must not leave unaudited.
          if (res.headersSent || res.statusCode >= 400) return end(...args);
          for (const h of DROPPED_ON_FAILURE) res.removeHeader(h);
          res.statusCode = 503;
          res.setHeader('retry-after', '5');
          res.setHeader('content-type', 'text/plain; charset=utf-8');
          return end('Service temporarily unavailable');
        },
      );
      return res;
    }) as Response['end'];
    res.once('close', () => {
      if (batch && batch.open && batch.rows.length > 0 && !ending) {
        this.audit.flush(batch).catch((err: unknown) => this.log.error({ msg: 'audit batch not written after the client went away', path: req.path, err: (err as Error)?.message }));
      }
    });
    batch = this.batches.run(() => next());
  }
}
