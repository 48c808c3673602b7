import { All, Body, Controller, Get, Headers, HttpCode, Inject, Post, Res, UseFilters } from '@nestjs/common';
import type { Response } from 'express';
import { BrokerError, ErrorCodes, refuseMethod } from '../common';
import { PrincipalClaimsReader } from '../linking/linking.module';
import { SessionService } from '../sessions/sessions.module';
import { RevocationFeed, TokenService } from '../tokens/tokens.module';
import { claimsForScope } from './claims.rules';
import { OAuthJsonErrorFilter } from './oauth-json-error.filter';

/** The userinfo endpoint (OIDC Core §5.3), GET or POST, Bearer token (RFC 6750 §2.1, §2.2). */
@Controller('oauth2/userinfo')
@UseFilters(OAuthJsonErrorFilter)
export class UserinfoController {
  constructor(
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(PrincipalClaimsReader) private readonly principals: PrincipalClaimsReader,
    @Inject(SessionService) private readonly sessions: SessionService,
    @Inject(RevocationFeed) private readonly feed: RevocationFeed,
  ) {}

  /** @throws BrokerError `token.access_token_invalid` (401, `WWW-Authenticate: Bearer error="invalid_token"`). */
  @Get()
  async get(@Headers('authorization') authorization: string | undefined): Promise<Record<string, unknown>> {
    return this.userinfo(authorization, undefined);
  }

  /** POST form: the token in the Authorization header, or as `access_token` in a form body (RFC 6750 §2.2). */
  @Post()
  @HttpCode(200)
  async post(
    @Headers('authorization') authorization: string | undefined,
    @Headers('content-type') contentType: string | undefined,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<Record<string, unknown>> {
    const form = contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded') ?? false;
    return this.userinfo(authorization, form && typeof body?.access_token === 'string' ? body.access_token : undefined);
  }

  /** Any other method: 405 with `Allow: GET, POST` (RFC 9110 §15.5.6), as OAuth JSON. */
  @All()
  otherMethods(@Res() res: Response): never {
    refuseMethod(res, ['GET', 'POST']);
  }

  private async userinfo(authorization: string | undefined, fromBody: string | undefined): Promise<Record<string, unknown>> {
    const fromHeader = authorization ? /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization.trim())?.[1] : undefined;
    if ((authorization && !fromHeader) || (fromHeader && fromBody)) throw new BrokerError(ErrorCodes.accessTokenInvalid, 'malformed or duplicate bearer token');
    const token = fromHeader ?? fromBody;
    if (!token) throw new BrokerError('token.access_token_missing', 'no bearer token');
    const claims = await this.tokens.verifyAccessToken(token);
    // DESIGN.md §6 "Revocation": the deny set (fail closed while this instance lags the stream).
    this.feed.assertCaughtUp();
    if (this.feed.isRevoked({ jti: claims.jti, sid: claims.sid, sub: claims.sub, iat: claims.iat })) throw new BrokerError(ErrorCodes.accessTokenInvalid, 'the token has been revoked');
    // DESIGN.md §6: a token of an ended broker session is refused from the moment it ends.
    if (typeof claims.sid === 'string' && !(await this.sessions.isLive(claims.sid))) throw new BrokerError(ErrorCodes.accessTokenInvalid, 'the session of this token has ended');
    const profile = await this.principals.claimsFor(claims.sub);
    if (!profile) throw new BrokerError(ErrorCodes.accessTokenInvalid, 'principal no longer exists');
    return { sub: claims.sub, ...claimsForScope(profile, claims.scope) };
  }
}
