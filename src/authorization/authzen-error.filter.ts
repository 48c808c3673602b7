import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { BrokerError, loggableError } from '../common';
import { isDatabaseUnavailable } from '../database';

/**
 * Errors of the AuthZEN endpoints as JSON: `{ error, error_description, context: { reason } }`.
 * A refused request is 400 with the reason code (never policy text); a framework 4xx (a body
 * that is not JSON) is 400 `authz.request_invalid`, one too large 413 with the same code; 401 carries a Basic challenge
 * (RFC 7617); a database outage is 503 `ops.database_unavailable` with `Retry-After`; anything
 * else is logged and answered 500 with `decision: false`, never a stack.
 */
@Catch()
export class AuthzenErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('authzen');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    let status = 500;
    let error = 'server_error';
    let code = 'server_error';
    let reason = 'evaluation_error';
    if (isDatabaseUnavailable(exception)) {
      // Issue 13 item 6: an outage is 503 with Retry-After (RFC 9110 §10.2.3), like the OAuth endpoints.
      this.log.error({ msg: 'database unavailable', path: req.path, err: loggableError(exception) });
      exception = new BrokerError('ops.database_unavailable', 'database unavailable');
      if (!res.headersSent) res.setHeader('Retry-After', '5');
    }
    if (exception instanceof BrokerError) {
      ({ status, oauthError: error, code } = exception);
      reason = exception.code === 'authz.request_invalid' ? (exception.detail ?? 'request_invalid') : exception.code;
    } else if (exception instanceof HttpException && exception.getStatus() < 500) {
      // 404, 413 (RFC 9110 §15.5.14) and 415 keep their status; any other framework 4xx is a 400.
      status = [404, 413, 415].includes(exception.getStatus()) ? exception.getStatus() : 400;
      error = 'invalid_request';
      code = 'authz.request_invalid';
      reason = exception.getStatus() === 413 ? 'too_large' : 'body_malformed';
    } else {
      this.log.error({ msg: 'authzen request failed', path: req.path, err: loggableError(exception) });
    }
    if (res.headersSent) return;
    if (status === 401) res.setHeader('WWW-Authenticate', 'Basic realm="tessera-authzen", Bearer realm="tessera-authzen"');
    res.status(status).setHeader('Cache-Control', 'no-store').json({ error, error_description: code, ...(status >= 500 ? { decision: false } : {}), context: { reason } });
  }
}
