import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { BrokerError, errorPageHtml, loggableError, newErrorReference, wrongMethodError } from '../common';
import { isDatabaseUnavailable } from '../database';
import { AdminJsonErrorFilter } from '../admin/admin.module';
import { AuthzenErrorFilter } from '../authorization/authorization.module';
import { OAuthJsonErrorFilter, isOAuthJsonPath } from '../issuer/issuer.module';
import { loginTraceOf } from '../login/login.module';

/** Seconds a client is told to wait when the database is down (issue 13 item 6). */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

/**
 * Global fallback (DESIGN.md §7): browser-facing routes get a plain page — a heading and one
 * sentence chosen by the stable code (or by the status: 404 "Page not found", 405 its own
 * sentence), a way back, the OAuth error, the stable code and a reference — never a stack trace
 * or a detail; the OAuth endpoints programs call get OAuth JSON. The detail goes to the log with
 * the same reference. Nest's "no route" 404 on a path that is a route under other methods becomes
 * 405 `request.method_not_allowed` with `Allow` (RFC 9110 §15.5.6; common/ wrongMethodError), in
 * the path's format like any other error.
 */
@Catch()
export class HtmlErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('http');
  private readonly json = new OAuthJsonErrorFilter();
  private readonly adminJson = new AdminJsonErrorFilter();
  private readonly authzenJson = new AuthzenErrorFilter();

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    if (exception instanceof NotFoundException) exception = wrongMethodError(req, res) ?? exception;
    // Errors raised before a controller runs (body parser: malformed JSON, 413, 415) land here;
    // programs calling the token, userinfo, admin or AuthZEN endpoints still get JSON.
    if (isOAuthJsonPath(req.path)) return this.json.catch(exception, host);
    // The admin and AuthZEN APIs answer JSON too, also for a body the parser refused.
    const path = req.path.toLowerCase();
    if (path.startsWith('/admin/')) return this.adminJson.catch(exception, host);
    if (path.startsWith('/access/v1/')) return this.authzenJson.catch(exception, host);
    // The trace id is the reference: the page, the log line and the trace tell one story.
    // A failed login's page quotes its login trace id (issue 10 item 7; GET /admin/v1/traces/{id}).
    const reference = loginTraceOf(exception) ?? newErrorReference();
    if (isDatabaseUnavailable(exception)) {
      // Issue 13 item 6: an outage is a 503 the browser may retry, never a 500 or a stack trace.
      this.log.error({ msg: 'database unavailable', path: req.path, err: loggableError(exception), reference });
      exception = new BrokerError('ops.database_unavailable', 'database unavailable');
      if (!res.headersSent) res.setHeader('Retry-After', String(OUTAGE_RETRY_AFTER_SECONDS));
    }
    let status = 500;
    let error = 'server_error';
    let code: string | undefined;
    if (exception instanceof BrokerError) {
      status = exception.status;
      error = exception.oauthError;
      code = exception.code;
      this.log.warn({ msg: 'request refused', path: req.path, status, code, detail: exception.detail, reference });
    } else if (exception instanceof HttpException && exception.getStatus() < 500) {
      status = exception.getStatus();
      error = status === 404 ? 'not_found' : 'invalid_request';
      this.log.warn({ msg: 'request refused', path: req.path, status, detail: exception.message, reference });
    } else {
      this.log.error({ msg: 'request failed', path: req.path, err: loggableError(exception), reference });
    }
    if (res.headersSent) return;
    res.status(status).setHeader('Cache-Control', 'no-store').type('html').send(errorPageHtml({ status, error, code, reference }));
  }
}
