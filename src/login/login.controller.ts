import { All, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { BrokerError, ErrorCodes, Random, isStorableDeep, refuseMethod, singleValued } from '../common';
import { isIdpInitiatedCapable, isLogoutCapable, type UpstreamInput } from '../connectors/connectors.module';
import { setSessionCookie } from '../sessions/sessions.module';
import { cookieReader, setBinding } from './browser-binding';
import { LinkConfirmationFlow } from './link-confirmation';
import { LoginService } from './login.service';
import { sendStep } from './steps';
import { LOGIN_SETTINGS, type LoginSettings } from './types';
import { UpstreamAnswers } from './upstream-answers.service';
import { UpstreamLogouts } from './upstream-logouts.service';

/**
 * Browser-facing endpoints of the login flow: the one generic federation route that every
 * connector's endpoints hang under (DESIGN.md §9), the same-site continuation of parked POST
 * answers, and the provider chooser. Errors become pages through the global exception filter.
 */
@Controller()
export class LoginController {
  constructor(
    @Inject(LOGIN_SETTINGS) private readonly settings: LoginSettings,
    @Inject(LoginService) private readonly login: LoginService,
    @Inject(UpstreamAnswers) private readonly answers: UpstreamAnswers,
    @Inject(Random) private readonly random: Random,
    @Inject(UpstreamLogouts) private readonly logouts: UpstreamLogouts,
    @Inject(LinkConfirmationFlow) private readonly confirmFlow: LinkConfirmationFlow,
  ) {}

  /**
   * `GET|POST /federation/:protocol/:provider/:endpoint`: dispatched to the provider's connector
   * through the registry. A method the endpoint does not take is refused with 405 and `Allow`
   * (RFC 9110 §15.5.6).
   */
  @All('federation/:protocol/:provider/:endpoint')
  async federation(
    @Param('protocol') protocol: string,
    @Param('provider') providerId: string,
    @Param('endpoint') name: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const endpoint = this.answers.endpoint(protocol, providerId, name);
    // HEAD is GET without a body for documents only: on an answer endpoint it would spend the login.
    const method = req.method === 'HEAD' && endpoint.spec.role === 'document' ? 'GET' : req.method;
    if (!(endpoint.spec.methods as readonly string[]).includes(method)) refuseMethod(res, endpoint.spec.methods);
    const c = endpoint.connector;
    // A `logout` endpoint may also take the IdP's answers to Tessera's own logouts (SAML SLO).
    const logoutReturn = endpoint.spec.role === 'logout' && isLogoutCapable(c) && c.logoutReturnHandle(name, upstreamInput(req)) !== undefined;
    if (endpoint.spec.role === 'logout-return' || logoutReturn) {
      res.redirect(303, await this.logouts.finish(providerId, name, upstreamInput(req)));
      return;
    }
    if (endpoint.spec.role === 'logout') {
      // OIDC Back-Channel Logout 1.0 §2.8: 200 on success; errors are JSON (see isOAuthJsonPath).
      const { reply } = await this.answers.logout(endpoint, upstreamInput(req));
      if (reply) {
        sendStep(res, reply, this.random);
        return;
      }
      res.status(200).setHeader('Cache-Control', 'no-store').end();
      return;
    }
    if (endpoint.spec.role === 'document') {
      const doc = await this.answers.document(endpoint);
      res.type(doc.contentType).send(doc.body);
      return;
    }
    const input = upstreamInput(req);
    if (endpoint.connector.transactionHandle(name, input) === undefined && input.method === 'POST' && isIdpInitiatedCapable(endpoint.connector)) {
      // No login of Tessera's to answer: an IdP-initiated SSO (SAML), when the provider allows it.
      const { cookie, next } = await this.answers.unsolicited(endpoint, input);
      setSessionCookie(res, this.settings.https, cookie);
      res.redirect(303, next);
      return;
    }
    const next = await this.answers.answer(endpoint, input, cookieReader(req));
    if (next.binding) setBinding(res, this.settings.https, next.binding);
    res.redirect(303, next.url);
  }

  /** `GET /login/continue?answer=…`: a parked cross-site POST answer, now with the browser's cookie. */
  @Get('login/continue')
  async continueParked(@Query('answer') token: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    if (typeof token !== 'string' || token === '') throw new BrokerError(ErrorCodes.transactionUnknown, 'answer token missing');
    const next = await this.answers.continueParked(token, cookieReader(req));
    if (next.binding) setBinding(res, this.settings.https, next.binding);
    res.redirect(303, next.url);
  }

  /** `POST /login/link/decline` (form field `login`): the user declined linking on the "Confirm your account" page (issue 10 item 8). */
  @Post('login/link/decline')
  async declineLink(@Req() req: Request, @Res() res: Response): Promise<void> {
    const handle = (req.body as Record<string, unknown> | undefined)?.login;
    if (typeof handle !== 'string' || handle === '') throw new BrokerError(ErrorCodes.requestInvalid, 'login is required');
    const step = await this.confirmFlow.decline(handle, cookieReader(req));
    if (step.kind === 'done') throw new BrokerError('login.transaction_state_invalid', 'a declined link continues upstream');
    sendStep(res, step, this.random);
  }

  /** `GET /login/choose?login=…&provider=…`: the user picked a provider on the chooser page. */
  @Get('login/choose')
  async choose(@Query('login') handle: unknown, @Query('provider') providerId: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    if (typeof handle !== 'string' || typeof providerId !== 'string') throw new BrokerError(ErrorCodes.requestInvalid, 'login and provider are required');
    const step = await this.login.choose(handle, providerId, cookieReader(req));
    if (step.kind === 'done') throw new BrokerError('login.transaction_state_invalid', 'a chosen login always goes upstream');
    sendStep(res, step, this.random);
  }

  /** Any other method on the login pages: 405 with `Allow: GET` (RFC 9110 §15.5.6). */
  @All(['login/continue', 'login/choose'])
  otherMethods(@Res() res: Response): never {
    refuseMethod(res, ['GET']);
  }
}

/**
 * The request as a connector sees it: method, query string, and form fields of a POST, every
 * value a single string that can be stored exactly (it may be parked).
 * @throws BrokerError `request.content_type_unsupported` (415) for a POST that is not
 *   application/x-www-form-urlencoded (the only encoding of OAuth form_post and SAML HTTP-POST),
 *   `request.parameter_repeated` for a repeated or structured field, `request.parameter_malformed`
 *   for NUL or ill-formed Unicode.
 */
function upstreamInput(req: Request): UpstreamInput {
  const q = req.originalUrl.indexOf('?');
  let body: Record<string, string> = {};
  if (req.method === 'POST') {
    if (!req.is('application/x-www-form-urlencoded')) throw new BrokerError('request.content_type_unsupported', 'answers are posted as application/x-www-form-urlencoded');
    body = singleValued(req.body as Record<string, unknown> | undefined);
  }
  const input: UpstreamInput = { method: req.method === 'POST' ? 'POST' : 'GET', search: q < 0 ? '' : req.originalUrl.slice(q), body };
  if (!isStorableDeep(input)) throw new BrokerError('request.parameter_malformed', 'the answer contains NUL or ill-formed Unicode');
  return input;
}
