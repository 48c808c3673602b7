import { All, Body, Controller, Headers, HttpCode, Inject, Post, Res, UseFilters } from '@nestjs/common';
import type { Response } from 'express';
import { AuditSink } from '../audit/audit.module';
import { BrokerError, ErrorCodes, refuseMethod } from '../common';
import { RefreshTokens, RevocationFeed, TokenService, isRefreshTokenShape } from '../tokens/tokens.module';
import { authenticatedForm, MAX_TOKEN_PARAMETER } from './client-request';
import { ClientRegistry } from './client-registry';
import { OAuthJsonErrorFilter } from './oauth-json-error.filter';

/**
 * Token revocation (RFC 7009, `POST /oauth2/revoke`). A refresh token revokes its whole family
 * (and the access tokens minted in it); an access token is revoked by its `jti` until it expires.
 * Only the client a token was issued to may revoke it; anything else — unknown, malformed,
 * expired, another client's — gets the same 200 (RFC 7009 §2.2), and touches nothing. A revoke
 * racing a refresh of the same token wins: both take the family row first, so either the refresh
 * committed before (and its access token is in the family's revoked list) or it finds the family
 * revoked (shared/bugs B50 (c)).
 */
@Controller('oauth2/revoke')
@UseFilters(OAuthJsonErrorFilter)
export class RevokeController {
  constructor(
    @Inject(ClientRegistry) private readonly clients: ClientRegistry,
    @Inject(RefreshTokens) private readonly refreshTokens: RefreshTokens,
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(RevocationFeed) private readonly feed: RevocationFeed,
    @Inject(AuditSink) private readonly audit: AuditSink,
  ) {}

  /** @throws BrokerError `request.invalid` without `token`, `client.authentication_failed` (401). */
  @Post()
  @HttpCode(200)
  async revoke(
    @Headers('authorization') authorization: string | undefined,
    @Headers('content-type') contentType: string | undefined,
    @Body() body: Record<string, unknown> | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const { client, params } = authenticatedForm(this.clients, authorization, contentType, body);
    const token = params.token;
    if (!token) throw new BrokerError(ErrorCodes.requestInvalid, 'token is required (RFC 7009 §2.1)');
    res.setHeader('Cache-Control', 'no-store');
    if (token.length > MAX_TOKEN_PARAMETER) return '';
    if (isRefreshTokenShape(token)) {
      if ((await this.refreshTokens.revokeToken(token, client.id)) === 'revoked') {
        await this.audit.record({ type: 'token.revoked', outcome: 'success', clientId: client.id, details: { token_type: 'refresh_token' } });
      }
      return '';
    }
    const claims = await this.tokens.verifyAccessToken(token).catch(() => undefined);
    if (claims && claims.client_id === client.id && typeof claims.exp === 'number') {
      await this.feed.publish({ kind: 'jti', subject: claims.jti, principalId: claims.sub, clientId: client.id, data: { reason: 'revoked_by_client' }, expiresAt: new Date(claims.exp * 1000) });
      await this.audit.record({ type: 'token.revoked', outcome: 'success', clientId: client.id, principalId: claims.sub, details: { token_type: 'access_token', jti: claims.jti } });
    }
    return '';
  }

  /** Any other method: 405 with `Allow: POST`. */
  @All()
  otherMethods(@Res() res: Response): never {
    refuseMethod(res, ['POST']);
  }
}
