import { All, Body, Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { BrokerError, Clock, refuseMethod } from '../../common';
import { clearSessionCookie, readSessionCookie } from '../session-cookie';
import { SessionService } from '../session.service';
import { SESSION_SETTINGS, type BrokerSession, type SessionSettings } from '../session.types';
import { crossSiteReason, formTokenFor, formTokenMatches } from './account-csrf.rules';
import { accountPageHtml, notSignedInPageHtml, type AccountSessionRow } from './account-pages';
import { EndOthersForm, EndSessionForm } from './account.forms';

const PAGE = '/account/sessions';

/**
 * The signed-in user's sessions (issue 7 item 4; DESIGN.md §6 "listable per principal, revocable
 * one by one or all"): `GET /account/sessions` lists the live sessions of the principal of this
 * browser's session; `POST /account/sessions/end` and `/end-others` end them through
 * SessionService.end (reason `user`), only ever sessions of that same principal. Forms are
 * refused when they come from another site or without this session's form token
 * (`account.csrf_rejected`, 403). Errors become pages through the global exception filter.
 */
@Controller('account/sessions')
export class AccountController {
  constructor(
    @Inject(SessionService) private readonly sessions: SessionService,
    @Inject(SESSION_SETTINGS) private readonly settings: SessionSettings,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** The page, or "you are not signed in" (200) without a live session. */
  @Get()
  async page(@Req() req: Request, @Res() res: Response): Promise<void> {
    const cookie = readSessionCookie(req, this.settings.https);
    const current = await this.sessions.current(cookie);
    if (!cookie || !current) {
      res.type('html').send(notSignedInPageHtml());
      return;
    }
    const now = this.clock.nowSeconds();
    const live: AccountSessionRow[] = (await this.sessions.listForPrincipal(current.principalId)).filter(
      (s) => s.endedAt === undefined && s.idleExpiresAt > now && s.absoluteExpiresAt > now,
    );
    if (!live.some((s) => s.sid === current.sid)) live.push({ ...current, clients: [] });
    res.type('html').send(accountPageHtml(live, current.sid, formTokenFor(cookie)));
  }

  /**
   * Ends one session of the signed-in principal (this one too: then the cookie is cleared).
   * @throws BrokerError `account.csrf_rejected` (403); `account.session_unknown` (400) when `sid`
   *   is not a session of this principal. A session of this principal that already ended is not
   *   an error: the page simply no longer lists it.
   */
  @Post('end')
  async end(@Body() form: EndSessionForm, @Req() req: Request, @Res() res: Response): Promise<void> {
    const current = await this.signedInForm(req, res, form.token);
    if (!current) return;
    const target = await this.sessions.get(form.sid);
    if (!target || target.principalId !== current.principalId) throw new BrokerError('account.session_unknown', 'the sid is not a session of the signed-in principal');
    await this.sessions.end(target.sid, 'user');
    if (target.sid === current.sid) clearSessionCookie(res, this.settings.https);
    res.redirect(303, PAGE);
  }

  /** Ends every other live session of the signed-in principal. @throws BrokerError `account.csrf_rejected` (403). */
  @Post('end-others')
  async endOthers(@Body() form: EndOthersForm, @Req() req: Request, @Res() res: Response): Promise<void> {
    const current = await this.signedInForm(req, res, form.token);
    if (!current) return;
    await this.sessions.endAllForPrincipal(current.principalId, 'user', current.sid);
    res.redirect(303, PAGE);
  }

  /** Any other method: 405 with `Allow` (RFC 9110 §15.5.6). */
  @All()
  pageOtherMethods(@Res() res: Response): never {
    refuseMethod(res, ['GET']);
  }

  /** Any other method on the form targets: 405 with `Allow: POST`. */
  @All(['end', 'end-others'])
  formOtherMethods(@Res() res: Response): never {
    refuseMethod(res, ['POST']);
  }

  /**
   * The live session a form POST acts for, after the site check and the form token. Without a
   * live session, answers the "not signed in" page with 403 and returns undefined.
   */
  private async signedInForm(req: Request, res: Response, token: string | undefined): Promise<BrokerSession | undefined> {
    const crossSite = crossSiteReason(req.headers);
    if (crossSite) throw new BrokerError('account.csrf_rejected', crossSite);
    const cookie = readSessionCookie(req, this.settings.https);
    const current = await this.sessions.current(cookie);
    if (!cookie || !current) {
      res.status(403).type('html').send(notSignedInPageHtml());
      return undefined;
    }
    if (!formTokenMatches(cookie, token)) throw new BrokerError('account.csrf_rejected', 'missing or wrong form token');
    return current;
  }
}
