import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { BrokerError, loggableError } from '../common';
import { isDatabaseUnavailable } from '../database';

/** Endpoints whose clients are programs: their errors are OAuth JSON, never a page. */
const OAUTH_JSON_PATHS = /^\/(oauth2\/(token|userinfo|jwks|revoke|introspect)|revocations(\/|$)|\.well-known\/|federation\/[^/]+\/[^/]+\/backchannel-logout\/*$)/;

/**
 * True for paths answered with OAuth JSON errors (token, userinfo, JWKS, discovery), spelled as
 * the router matches them: Express routes case-insensitively and tolerates a trailing slash.
 */
export function isOAuthJsonPath(path: string): boolean {
  return OAUTH_JSON_PATHS.test(path.toLowerCase());
}

/**
 * Answers the JSON endpoints (token, userinfo) with OAuth errors (RFC 6749 §5.2, RFC 6750 §3):
 * `{ error, error_description }`, where the description is the stable code and never a detail,
 * `Cache-Control: no-store`, and the `WWW-Authenticate` challenge the status calls for.
 * Anything unexpected is a 500 `server_error` without a stack trace; the detail goes to the log.
 */
@Catch()
export class OAuthJsonErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('oauth');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    let status = 500;
    let error = 'server_error';
    let description = 'server_error';
    if (isDatabaseUnavailable(exception)) {
      // Issue 13 item 6: an outage is 503 temporarily_unavailable with Retry-After (RFC 6749 §4.1.2.1, RFC 9110 §10.2.3).
      this.log.error({ msg: 'database unavailable', path: req.path, err: loggableError(exception) });
      exception = new BrokerError('ops.database_unavailable', 'database unavailable');
      res.setHeader('Retry-After', '5');
    }
    if (exception instanceof BrokerError) {
      status = exception.status;
      error = exception.oauthError;
      description = exception.code;
      this.log.warn({ msg: 'oauth request refused', path: req.path, code: exception.code, detail: exception.detail });
    } else if (exception instanceof HttpException && exception.getStatus() < 500) {
      status = exception.getStatus();
      error = 'invalid_request';
      description = 'request.invalid';
      this.log.warn({ msg: 'oauth request refused', path: req.path, status });
    } else {
      this.log.error({ msg: 'oauth endpoint failed', path: req.path, err: loggableError(exception) });
    }
    if (status === 401) {
      const userinfo = /\/userinfo\/*$/.test(req.path.toLowerCase());
      // RFC 6750 §3.1: a request without any authentication information gets a challenge without an error code.
      const missing = exception instanceof BrokerError && exception.code === 'token.access_token_missing';
      res.setHeader('WWW-Authenticate', !userinfo ? 'Basic realm="tessera"' : missing ? 'Bearer' : `Bearer error="${error}"`);
    }
    // RFC 9110 §10.2.3: a 503 (revocation feed lagging, database down) says when to come back.
    if (status === 503 && !res.getHeader('Retry-After')) res.setHeader('Retry-After', '1');
    res.status(status).setHeader('Cache-Control', 'no-store').setHeader('Pragma', 'no-cache').json({ error, error_description: description });
  }
}
