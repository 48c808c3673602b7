import { All, Body, Controller, Headers, HttpCode, Inject, Post, UseFilters, Res } from '@nestjs/common';
import type { Response } from 'express';
import { BrokerError, ErrorCodes, refuseMethod, singleValued } from '../common';
import { ClientRegistry, presentedCredentials } from './client-registry';
import { GRANT_HANDLERS, type GrantHandler, type TokenResponse } from './grants/grant-handler';
import { OAuthJsonErrorFilter } from './oauth-json-error.filter';

/**
 * The token endpoint (RFC 6749 §3.2; OIDC Core §3.1.3): form parsing, client authentication,
 * then dispatch on `grant_type` through the grant-handler map.
 */
@Controller('oauth2/token')
@UseFilters(OAuthJsonErrorFilter)
export class TokenController {
  private readonly handlers: ReadonlyMap<string, GrantHandler>;

  constructor(
    @Inject(ClientRegistry) private readonly clients: ClientRegistry,
    @Inject(GRANT_HANDLERS) handlers: GrantHandler[],
  ) {
    this.handlers = new Map(handlers.map((h) => [h.grantType, h]));
  }

  /**
   * Client authentication first (invalid_client, 401), then the grant (RFC 6749 §5.2:
   * invalid_request without grant_type, unsupported_grant_type for one Tessera does not know,
   * unauthorized_client for one this client may not use). Answers
   * `no-store` (RFC 6749 §5.1).
   */
  @Post()
  @HttpCode(200)
  async token(
    @Headers('authorization') authorization: string | undefined,
    @Headers('content-type') contentType: string | undefined,
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TokenResponse> {
    if (!contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      throw new BrokerError(ErrorCodes.requestInvalid, 'token requests must be application/x-www-form-urlencoded');
    }
    const params = singleValued(body, ErrorCodes.requestInvalid);
    const client = this.clients.authenticate(presentedCredentials(authorization, params));
    // RFC 6749 §5.2: a missing parameter is invalid_request; a grant Tessera does not know is
    // unsupported_grant_type; a known grant this client may not use is unauthorized_client.
    if (!params.grant_type) throw new BrokerError('token.grant_type_missing', 'grant_type is required');
    const handler = this.handlers.get(params.grant_type);
    if (!handler) throw new BrokerError(ErrorCodes.grantTypeUnsupported, `grant_type ${params.grant_type} is not supported`);
    if (!(client.grantTypes as readonly string[]).includes(handler.grantType)) {
      throw new BrokerError('token.grant_type_unauthorized', `client ${client.id} may not use grant_type ${handler.grantType}`);
    }
    const response = await handler.handle({ client, params });
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    return response;
  }

  /** Any other method: 405 with `Allow: POST` (RFC 9110 §15.5.6), as OAuth JSON. */
  @All()
  otherMethods(@Res() res: Response): never {
    refuseMethod(res, ['POST']);
  }
}
