import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { BrokerError, loggableError } from '../common';
import { isDatabaseUnavailable } from '../database';

/** The protection space of the admin bearer token (RFC 6750 §3). */
export const ADMIN_REALM = 'tessera-admin';

/**
 * Errors of the admin API as JSON (DESIGN.md §7): `{ error, error_description }`, where `error` is
 * the registry's OAuth error and `error_description` the stable code, never a detail. A 401
 * carries the RFC 6750 §3 challenge (`error="invalid_token"` only when a token was presented,
 * §3.1); a framework 404 is `admin.not_found`; other framework 4xx (a malformed UUID, a bad body)
 * are `request.invalid` with their status; a database outage is 503 `ops.database_unavailable` with
 * `Retry-After`; anything else is a 500 without a stack trace, the
 * detail going to the log.
 */
@Catch()
export class AdminJsonErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('admin');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    let status = 500;
    let error = 'server_error';
    let description = 'server_error';
    if (isDatabaseUnavailable(exception)) {
      // Issue 13 item 6: an outage is 503 with Retry-After (RFC 9110 §10.2.3), like the OAuth endpoints.
      this.log.error({ msg: 'database unavailable', path: req.path, err: loggableError(exception) });
      exception = new BrokerError('ops.database_unavailable', 'database unavailable');
      if (!res.headersSent) res.setHeader('Retry-After', '5');
    }
    if (exception instanceof BrokerError) {
      ({ status, oauthError: error, code: description } = exception);
      this.log.warn({ msg: 'admin request refused', path: req.path, code: exception.code, detail: exception.detail });
    } else if (exception instanceof HttpException && exception.getStatus() < 500) {
      status = exception.getStatus();
      error = 'invalid_request';
      description = status === 404 ? 'admin.not_found' : 'request.invalid';
      this.log.warn({ msg: 'admin request refused', path: req.path, status, detail: exception.message });
    } else {
      this.log.error({ msg: 'admin request failed', path: req.path, err: loggableError(exception) });
    }
    if (res.headersSent) return;
    if (status === 401) {
      res.setHeader('WWW-Authenticate', req.headers.authorization ? `Bearer realm="${ADMIN_REALM}", error="invalid_token"` : `Bearer realm="${ADMIN_REALM}"`);
    }
    res.status(status).setHeader('Cache-Control', 'no-store').json({ error, error_description: description });
  }
}
