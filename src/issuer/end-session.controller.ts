import { All, Body, Controller, Get, Headers, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuditSink } from '../audit/audit.module';
import { BrokerError, ErrorCodes, constantTimeEqual, refuseMethod } from '../common';
import { UpstreamLogouts } from '../login/login.module';
import { SessionService, clearSessionCookie, crossSiteReason, readSessionCookie } from '../sessions/sessions.module';
import { TokenService } from '../tokens/tokens.module';
import { ClientRegistry } from './client-registry';
import { confirmLogoutPageHtml, signedOutPageHtml } from './end-session.pages';
import { CONFIRMATION_FIELD, decideLogout, logoutConfirmationToken, readLogoutRequest, resolveLogoutTarget, type LogoutRefusal, type LogoutRequest } from './end-session.rules';
import { ISSUER_SETTINGS, type IssuerSettings } from './issuer.settings';
import { redirectWith } from './validate-authorize.rules';

/**
 * The end-session endpoint (OpenID Connect RP-Initiated Logout 1.0), `GET` or form `POST`
 * `/oauth2/logout`. A valid `id_token_hint` (verified against Tessera's own keys; expired is fine,
 * forged counts as absent) for the browser's session or its user ends the session at once; any
 * other request with a live session gets a confirmation page whose POST form carries a CSRF token
 * tied to the session cookie — a cross-site GET never logs anyone out silently. Ending goes
 * through {@link SessionService.end} (`logout`), so back-channel logout follows from the outbox,
 * never inside this request. Afterwards the browser goes to the registered
 * `post_logout_redirect_uri` (with `state`) or sees a "signed out" page.
 */
@Controller('oauth2/logout')
export class EndSessionController {
  constructor(
    @Inject(ISSUER_SETTINGS) private readonly settings: IssuerSettings,
    @Inject(ClientRegistry) private readonly clients: ClientRegistry,
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(SessionService) private readonly sessions: SessionService,
    @Inject(AuditSink) private readonly audit: AuditSink,
    @Inject(UpstreamLogouts) private readonly upstreamLogouts: UpstreamLogouts,
  ) {}

  /** `GET /oauth2/logout`: the request in the query (§2). HEAD is refused: it must not end a session. */
  @Get()
  async logoutGet(@Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    if (req.method === 'HEAD') refuseMethod(res, ['GET', 'POST']);
    await this.logout(query, false, req, res);
  }

  /**
   * `POST /oauth2/logout`, form-encoded (§2: the OP MUST support POST). An app's form arrives
   * from another site without the SameSite=Lax session cookie, so a POST without the cookie (and
   * not from Tessera's own confirmation form) continues as a same-site GET with the same
   * parameters, where the browser sends it.
   */
  @Post()
  @HttpCode(200)
  async logoutPost(@Headers('content-type') contentType: string | undefined, @Body() body: Record<string, unknown> | undefined, @Req() req: Request, @Res() res: Response): Promise<void> {
    if (!contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      throw new BrokerError(ErrorCodes.requestInvalid, 'logout requests sent by POST must be application/x-www-form-urlencoded');
    }
    const raw = { ...(body ?? {}) };
    const check = readLogoutRequest(raw);
    if (!check.ok) return this.refuse(check);
    // The confirmation form is Tessera's own: posted from another site it is refused, as the
    // account page's forms are (Fetch Metadata / Origin), on top of its token.
    const crossSite = check.request.confirmation === undefined ? undefined : crossSiteReason(req.headers);
    if (crossSite) return this.refuse({ ok: false, code: ErrorCodes.requestInvalid, description: `logout confirmation from another site (${crossSite})` });
    if (check.request.confirmation === undefined && !readSessionCookie(req, this.settings.https)) {
      const again = new URL(`${this.settings.issuer}/oauth2/logout`);
      const { idTokenHint, clientId, postLogoutRedirectUri, state } = check.request;
      for (const [name, value] of Object.entries({ id_token_hint: idTokenHint, client_id: clientId, post_logout_redirect_uri: postLogoutRedirectUri, state })) {
        if (value !== undefined) again.searchParams.set(name, value);
      }
      res.redirect(303, again.href);
      return;
    }
    await this.logout(raw, true, req, res);
  }

  /** Any other method: 405 with `Allow: GET, POST` (RFC 9110 §15.5.6). */
  @All()
  otherMethods(@Res() res: Response): never {
    refuseMethod(res, ['GET', 'POST']);
  }

  private async logout(raw: Record<string, unknown>, viaPost: boolean, req: Request, res: Response): Promise<void> {
    const check = readLogoutRequest(raw);
    if (!check.ok) return this.refuse(check);
    const request = check.request;
    const hint = request.idTokenHint === undefined ? undefined : await this.tokens.verifyIdTokenHint(request.idTokenHint);
    const hintState = request.idTokenHint === undefined ? 'absent' : hint ? 'valid' : 'invalid';
    const target = resolveLogoutTarget(request, hint, this.clients.all);
    if (!target.ok) return this.refuse(target, { idTokenHint: hintState });

    const cookie = readSessionCookie(req, this.settings.https);
    const session = await this.sessions.current(cookie);
    const confirmed = viaPost && cookie !== undefined && request.confirmation !== undefined && constantTimeEqual(request.confirmation, logoutConfirmationToken(cookie));
    const decision = decideLogout(session, hint, confirmed);
    if (decision === 'confirm') {
      res.type('html').send(confirmLogoutPageHtml(`${this.settings.issuer}/oauth2/logout`, this.confirmationFields(request, target.client?.id, cookie!), target.client));
      return;
    }
    if (decision === 'end') await this.sessions.end(session!.sid, 'logout');
    if (cookie) clearSessionCookie(res, this.settings.https);
    await this.audit.record({
      type: 'logout.rp_initiated',
      outcome: 'success',
      clientId: target.client?.id,
      principalId: session?.principalId,
      details: { sid: session?.sid, ended: decision === 'end', idTokenHint: hintState, confirmed, redirected: target.redirectUri !== undefined },
    });
    const next = target.redirectUri !== undefined ? redirectWith(target.redirectUri, { state: request.state }) : this.signedOutUrl(target.client?.id);
    // Issue "Broker sessions" item 8: continue at the session's IdP when it offers a logout, and come back.
    const upstream = decision === 'end' && session ? await this.upstreamLogouts.begin(session, next) : undefined;
    if (upstream !== undefined) {
      res.redirect(303, upstream);
      return;
    }
    if (target.redirectUri !== undefined) {
      res.redirect(303, next);
      return;
    }
    res.type('html').send(signedOutPageHtml(target.client));
  }

  /** `GET /oauth2/logout/done[?client_id=…]`: the "signed out" page, where a logout without a redirect ends after the IdP. */
  @Get('done')
  signedOut(@Query('client_id') clientId: unknown, @Res() res: Response): void {
    const client = typeof clientId === 'string' ? this.clients.all.get(clientId) : undefined;
    res.type('html').send(signedOutPageHtml(client));
  }

  private signedOutUrl(clientId: string | undefined): string {
    const url = new URL(`${this.settings.issuer}/oauth2/logout/done`);
    if (clientId !== undefined) url.searchParams.set('client_id', clientId);
    return url.href;
  }

  /** The confirmation form's fields: the identified client, the checked redirect, state, and the token. */
  private confirmationFields(request: LogoutRequest, clientId: string | undefined, cookie: string): Record<string, string> {
    return {
      ...(clientId !== undefined ? { client_id: clientId } : {}),
      ...(request.postLogoutRedirectUri !== undefined ? { post_logout_redirect_uri: request.postLogoutRedirectUri } : {}),
      ...(request.state !== undefined ? { state: request.state } : {}),
      [CONFIRMATION_FIELD]: logoutConfirmationToken(cookie),
    };
  }

  /** Audits a refused request and raises it: a page with the code, no redirect (§4), nothing ended. */
  private async refuse(refusal: LogoutRefusal, details: Record<string, unknown> = {}): Promise<never> {
    await this.audit.record({ type: 'logout.rejected', outcome: 'failure', reason: refusal.code, details: { ...details, detail: refusal.description } });
    throw new BrokerError(refusal.code, refusal.description);
  }
}
