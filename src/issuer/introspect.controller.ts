import { All, Body, Controller, Headers, HttpCode, Inject, Post, Res, UseFilters } from '@nestjs/common';
import type { Response } from 'express';
import { BrokerError, ErrorCodes, refuseMethod } from '../common';
import type { ClientConfig } from '../config';
import { SessionService } from '../sessions/sessions.module';
import { RefreshTokens, RevocationFeed, TokenService, isRefreshTokenShape } from '../tokens/tokens.module';
import { authenticatedForm, MAX_TOKEN_PARAMETER } from './client-request';
import { ClientRegistry } from './client-registry';
import { ISSUER_SETTINGS, type IssuerSettings } from './issuer.settings';
import { OAuthJsonErrorFilter } from './oauth-json-error.filter';

const INACTIVE = { active: false } as const;

/**
 * Token introspection (RFC 7662, `POST /oauth2/introspect`), client-authenticated and
 * authoritative: an access token is active when its signature and expiry hold, nothing in the
 * deny set covers it (jti, session, principal not-before; refused with 503 while this instance
 * lags the revocation stream) and its session is live; a refresh token when it is its family's
 * newest, the family is unrevoked and unexpired and (session-bound) its session is live. A token
 * issued to another client is `{"active": false}` unless the caller is one of its audiences.
 */
@Controller('oauth2/introspect')
@UseFilters(OAuthJsonErrorFilter)
export class IntrospectController {
  constructor(
    @Inject(ClientRegistry) private readonly clients: ClientRegistry,
    @Inject(RefreshTokens) private readonly refreshTokens: RefreshTokens,
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(RevocationFeed) private readonly feed: RevocationFeed,
    @Inject(SessionService) private readonly sessions: SessionService,
    @Inject(ISSUER_SETTINGS) private readonly settings: IssuerSettings,
  ) {}

  /** @throws BrokerError `request.invalid`, `client.authentication_failed` (401), `revocation.feed_lagged` (503). */
  @Post()
  @HttpCode(200)
  async introspect(
    @Headers('authorization') authorization: string | undefined,
    @Headers('content-type') contentType: string | undefined,
    @Body() body: Record<string, unknown> | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Record<string, unknown>> {
    const { client, params } = authenticatedForm(this.clients, authorization, contentType, body);
    const token = params.token;
    if (!token) throw new BrokerError(ErrorCodes.requestInvalid, 'token is required (RFC 7662 §2.1)');
    this.feed.assertCaughtUp();
    res.setHeader('Cache-Control', 'no-store');
    if (token.length > MAX_TOKEN_PARAMETER) return INACTIVE;
    return isRefreshTokenShape(token) ? this.refresh(token, client) : this.access(token, client);
  }

  /** Any other method: 405 with `Allow: POST`. */
  @All()
  otherMethods(@Res() res: Response): never {
    refuseMethod(res, ['POST']);
  }

  private async refresh(token: string, client: ClientConfig): Promise<Record<string, unknown>> {
    const info = await this.refreshTokens.inspect(token, client.id);
    if (!info?.active) return INACTIVE;
    const f = info.family;
    const sid = f.offline ? undefined : f.sessionId;
    if (this.feed.isRevoked({ familyId: f.id, sid, sub: f.principalId, iat: f.createdAt })) return INACTIVE;
    if (sid !== undefined && !(await this.sessions.isLive(sid))) return INACTIVE;
    return { active: true, token_type: 'refresh_token', sub: f.principalId, client_id: f.clientId, scope: f.scope, exp: f.absoluteExpiresAt, iat: info.issuedAt, iss: this.settings.issuer, ...(sid ? { sid } : {}) };
  }

  private async access(token: string, client: ClientConfig): Promise<Record<string, unknown>> {
    const claims = await this.tokens.verifyAccessToken(token).catch(() => undefined);
    if (!claims) return INACTIVE;
    const aud = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []);
    if (claims.client_id !== client.id && !aud.includes(client.id)) return INACTIVE;
    if (this.feed.isRevoked({ jti: claims.jti, sid: claims.sid, sub: claims.sub, iat: claims.iat })) return INACTIVE;
    if (typeof claims.sid === 'string' && !(await this.sessions.isLive(claims.sid))) return INACTIVE;
    return {
      active: true,
      token_type: 'Bearer',
      sub: claims.sub,
      client_id: claims.client_id,
      scope: claims.scope,
      exp: claims.exp,
      iat: claims.iat,
      iss: claims.iss,
      aud: claims.aud,
      jti: claims.jti,
      ...(claims.sid ? { sid: claims.sid } : {}),
    };
  }
}
