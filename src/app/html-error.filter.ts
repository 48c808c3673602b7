import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { BrokerError, errorPageHtml, loggableError, randomToken } from '../common';
import { OAuthJsonErrorFilter, isOAuthJsonPath } from '../issuer/issuer.module';

const TITLES: Record<string, string> = {
  temporarily_unavailable: 'The identity provider could not be reached',
  access_denied: 'Sign-in was refused',
  invalid_request: 'This sign-in link is not valid',
  invalid_client: 'This application is not known',
};
const MESSAGES: Record<string, string> = {
  temporarily_unavailable: 'Your organisation’s sign-in service did not answer. Please try again in a few minutes.',
  access_denied: 'The sign-in could not be completed. Please start again from the application.',
  invalid_request: 'The sign-in link has expired, was already used, or was opened in another browser. Please start again from the application.',
  invalid_client: 'The application that sent you here is not registered.',
};

/**
 * Global fallback (DESIGN.md §7): browser-facing routes get a plain page with the OAuth error, the
 * stable code and a reference, never a stack trace or detail; the OAuth endpoints programs call
 * get OAuth JSON. The detail and the reference go to the log.
 */
@Catch()
export class HtmlErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('http');
  private readonly json = new OAuthJsonErrorFilter();

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    // Errors raised before a controller runs (body parser: malformed JSON, 413, 415) land here;
    // programs calling the token or userinfo endpoint still get OAuth JSON.
    if (isOAuthJsonPath(req.path)) return this.json.catch(exception, host);
    const reference = randomToken(9);
    let status = 500;
    let error = 'server_error';
    let code: string | undefined;
    if (exception instanceof BrokerError) {
      status = exception.status;
      error = exception.oauthError;
      code = exception.code;
      this.log.warn({ msg: 'request refused', path: req.path, code, detail: exception.detail, reference });
    } else if (exception instanceof HttpException && exception.getStatus() < 500) {
      status = exception.getStatus();
      error = status === 404 ? 'not_found' : 'invalid_request';
      this.log.warn({ msg: 'request refused', path: req.path, status, reference });
    } else {
      this.log.error({ msg: 'request failed', path: req.path, err: loggableError(exception), reference });
    }
    if (res.headersSent) return;
    const title = status === 404 ? 'Page not found' : (TITLES[error] ?? 'Something went wrong');
    const message = status === 404 ? 'There is nothing at this address.' : (MESSAGES[error] ?? 'Tessera could not complete this request. Please try again.');
    res.status(status).setHeader('Cache-Control', 'no-store').type('html').send(errorPageHtml({ title, message, error, code, reference }));
  }
}
