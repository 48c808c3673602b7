import { All, Body, Controller, Get, Headers, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuditSink } from '../audit/audit.module';
import { BrokerError, ErrorCodes, Random, errorPageHtml, htmlPage, escapeHtml, refuseMethod } from '../common';
import { LoginService, clearBinding, cookieReader, sendStep, setBinding, pendingLinkPageHtml, type FinishedLogin, type LoginGrant } from '../login/login.module';
import { SessionService, readSessionCookie, setSessionCookie } from '../sessions/sessions.module';
import { AuthorizationCodes } from './authorization-codes.service';
import { ClientRegistry } from './client-registry';
import { ISSUER_SETTINGS, type IssuerSettings } from './issuer.settings';
import { redirectWith, validateAuthorize } from './validate-authorize.rules';

/**
 * The authorization endpoint (RFC 6749 §3.1, OIDC Core §3.1.2) and the resume endpoint the login
 * flow returns to. Granted logins get a code (with `iss`, RFC 9207); failures after the
 * redirect_uri is trusted become OAuth error redirects; the rest become pages.
 */
@Controller('oauth2/authorize')
export class AuthorizeController {
  constructor(
    @Inject(ISSUER_SETTINGS) private readonly settings: IssuerSettings,
    @Inject(ClientRegistry) private readonly clients: ClientRegistry,
    @Inject(LoginService) private readonly login: LoginService,
    @Inject(AuthorizationCodes) private readonly codes: AuthorizationCodes,
    @Inject(AuditSink) private readonly audit: AuditSink,
    @Inject(Random) private readonly random: Random,
    @Inject(SessionService) private readonly sessions: SessionService,
  ) {}

  /** `GET /oauth2/authorize`: the request in the query (RFC 6749 §4.1.1). */
  @Get()
  async authorizeGet(@Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.authorize(query, req, res);
  }

  /**
   * `POST /oauth2/authorize`: the same request form-encoded in the body (OIDC Core §3.1.2.1: the
   * authorization endpoint MUST support GET and POST). The query is not read.
   */
  @Post()
  async authorizePost(@Headers('content-type') contentType: string | undefined, @Body() body: Record<string, unknown> | undefined, @Req() req: Request, @Res() res: Response): Promise<void> {
    if (!contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      throw new BrokerError(ErrorCodes.requestInvalid, 'authorization requests sent by POST must be application/x-www-form-urlencoded');
    }
    await this.authorize({ ...(body ?? {}) }, req, res);
  }

  /** Answers any other method with 405 and `Allow` (RFC 9110 §15.5.6). */
  @All()
  otherMethods(@Res() res: Response): never {
    refuseMethod(res, ['GET', 'POST']);
  }

  private async authorize(query: Record<string, unknown>, req: Request, res: Response): Promise<void> {
    const check = validateAuthorize(query, this.clients.all);
    if (!check.ok) {
      const client = typeof query.client_id === 'string' ? this.clients.all.get(query.client_id) : undefined;
      // The page carries a reference; the detail stays in the audit trail under the same reference.
      const reference = this.random.token(9);
      await this.audit.record({ type: 'authorize.rejected', outcome: 'failure', reason: check.code, clientId: client?.id, details: { detail: check.description, reference } });
      if (!check.redirect) {
        const back = client?.clientUri ? { href: client.clientUri, label: `Back to ${client.displayName}` } : undefined;
        res.status(400).type('html').send(errorPageHtml({ error: check.error, code: check.code, status: 400, reference, back }));
        return;
      }
      res.redirect(303, this.errorRedirect(client!.id, check.redirectUri, check.state, check.error, check.code));
      return;
    }
    const request = check.request;
    const client = this.clients.all.get(request.clientId)!;
    try {
      const session = await this.sessions.current(readSessionCookie(req, this.settings.https));
      const { step, binding } = await this.login.start(request, { displayName: client.displayName }, session);
      if (binding) setBinding(res, this.settings.https, binding);
      if (step.kind === 'done') await this.answer(req, res, step.finished);
      else sendStep(res, step, this.random);
    } catch (err) {
      // The client and redirect_uri are trusted now: the app hears every failure, an unreachable
      // IdP included (temporarily_unavailable, RFC 6749 §4.1.2.1); a page is only for errors
      // without a safe redirect.
      if (err instanceof BrokerError) {
        res.redirect(303, this.errorRedirect(request.clientId, request.redirectUri, request.state, err.oauthError, err.code));
        return;
      }
      throw err;
    }
  }

  /** `GET /oauth2/authorize/resume?login=…`: the login flow is done; answer the app. */
  @Get('resume')
  async resume(@Query('login') resume: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    if (typeof resume !== 'string' || resume === '') throw new BrokerError(ErrorCodes.transactionUnknown, 'resume token missing');
    const finished = await this.login.finish(resume, cookieReader(req));
    if (finished.transactionId) clearBinding(res, this.settings.https, finished.transactionId);
    await this.answer(req, res, finished);
  }

  /**
   * A fresh upstream login starts a broker session (DESIGN.md §6) and sets its cookie; the
   * browser's previous session is renewed when it is the same user through the same IdP, and
   * otherwise ended (`replaced`): one browser, one session.
   * @returns the grant with its session id, and — for a new session — whether `clientId` was
   *   recorded in it (B38); undefined when the caller must still record it.
   */
  private async startSession(req: Request, res: Response, grant: LoginGrant, clientId: string): Promise<{ grant: LoginGrant; clientRecorded?: boolean }> {
    const previous = await this.sessions.current(readSessionCookie(req, this.settings.https));
    if (previous && previous.principalId === grant.principalId && previous.providerId === grant.providerId) {
      // The same user again through the same IdP (prompt=login, max_age, two logins at once): one session, fresh facts.
      const same = await this.sessions.reauthenticate(previous.sid, grant);
      if (same) return { grant: { ...grant, sessionId: same.sid } };
    }
    if (previous) await this.sessions.end(previous.sid, 'replaced');
    // A new session records the app it is created for with it (issue 13 item 7).
    const { session, cookie, clientRecorded } = await this.sessions.create(grant, clientId);
    setSessionCookie(res, this.settings.https, cookie);
    return { grant: { ...grant, sessionId: session.sid }, clientRecorded };
  }

  /** Answers any other method on the resume endpoint with 405 and `Allow: GET`. */
  @All('resume')
  otherResumeMethods(@Res() res: Response): never {
    refuseMethod(res, ['GET']);
  }

  /** Answers the app for a finished login: a code, an OAuth error redirect, or (pending linking) a page. */
  private async answer(req: Request, res: Response, finished: FinishedLogin): Promise<void> {
    const { request, outcome } = finished;
    switch (outcome.kind) {
      case 'failed':
        res.redirect(303, this.errorRedirect(request.clientId, request.redirectUri, request.state, outcome.oauthError, outcome.code, outcome.traceId));
        return;
      case 'pending':
        res.type('html').send(pendingLinkPageHtml(outcome));
        return;
      case 'granted': {
        const { grant, clientRecorded } = outcome.grant.sessionId ? { grant: outcome.grant, clientRecorded: undefined } : await this.startSession(req, res, outcome.grant, request.clientId);
        // Recorded before the code exists and only while the session lives (B38): an end either
        // sees this client and tells it, or no code is issued.
        if (!(clientRecorded ?? (await this.sessions.recordClient(grant.sessionId!, request.clientId)))) {
          res.redirect(303, this.errorRedirect(request.clientId, request.redirectUri, request.state, 'login_required', 'authorize.login_required'));
          return;
        }
        const code = await this.codes.issue(request, grant);
        await this.audit.record({
          type: 'authorize.code_issued',
          outcome: 'success',
          clientId: request.clientId,
          principalId: grant.principalId,
          providerId: grant.providerId,
          loginTransactionId: finished.transactionId,
        });
        res.redirect(303, redirectWith(request.redirectUri, { code, state: request.state, iss: this.issFor(request.clientId) }));
        return;
      }
    }
  }

  /**
   * An OAuth error redirect (RFC 6749 §4.1.2.1): the description is the stable code only.
   * `traceId`: the failed login's trace (issue 10 item 7), sent as an extra `trace_id` parameter
   * so the app can log it and an admin can fetch `GET /admin/v1/traces/{id}`. Not folded into
   * `error_description`, which stays the bare stable code apps match on (README "Errors an app
   * can receive"); an extension response parameter beside RFC 9207's `iss` (RFC 6749 §8.2), which
   * clients ignore when they do not know it. An opaque random id: it tells the app nothing else.
   */
  private errorRedirect(clientId: string, redirectUri: string, state: string | undefined, error: string, code: string, traceId?: string): string {
    return redirectWith(redirectUri, { error, error_description: code, state, iss: this.issFor(clientId), trace_id: traceId });
  }

  /**
   * The RFC 9207 `iss` of authorization responses to `clientId`: always, unless the client's file
   * sets `authorizationResponseIss: false` for a relying party that mishandles it.
   */
  private issFor(clientId: string): string | undefined {
    return this.clients.all.get(clientId)?.authorizationResponseIss === false ? undefined : this.settings.issuer;
  }
}
