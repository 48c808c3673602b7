import { Body, Controller, Headers, HttpCode, Inject, Post, UseFilters, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AuditService } from '../audit/audit.module';
import { AuthorizationPort } from '../authorization/authorization.module';
import { BrokerError, ErrorCodes } from '../common';
import { LoginService } from '../login/login.module';
import { TokenService } from '../tokens/tokens.module';
import { AuthorizationCodes } from './authorization-codes.service';
import { claimsForScope } from './claims.rules';
import { ClientRegistry, presentedCredentials } from './client-registry';
import { OAuthJsonErrorFilter } from './oauth-json-error.filter';

/** The token endpoint (RFC 6749 §3.2, §4.1.3; OIDC Core §3.1.3). */
@Controller('oauth2/token')
@UseFilters(OAuthJsonErrorFilter)
export class TokenController {
  constructor(
    @Inject(ClientRegistry) private readonly clients: ClientRegistry,
    @Inject(AuthorizationCodes) private readonly codes: AuthorizationCodes,
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(LoginService) private readonly login: LoginService,
    @Inject(AuthorizationPort) private readonly authorization: AuthorizationPort,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  /**
   * Exchanges an authorization code. Client authentication first (invalid_client, 401), then
   * the grant (unsupported_grant_type, invalid_grant). Answers `no-store` (RFC 6749 §5.1).
   */
  @Post()
  @HttpCode(200)
  async token(
    @Headers('authorization') authorization: string | undefined,
    @Headers('content-type') contentType: string | undefined,
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Record<string, unknown>> {
    if (!contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      throw new BrokerError(ErrorCodes.requestInvalid, 'token requests must be application/x-www-form-urlencoded');
    }
    body = body ?? {};
    for (const [name, value] of Object.entries(body)) {
      if (typeof value !== 'string') throw new BrokerError(ErrorCodes.requestInvalid, `parameter ${name} is repeated or malformed`);
    }
    const client = this.clients.authenticate(presentedCredentials(authorization, body));
    if (body.grant_type !== 'authorization_code' || !client.grantTypes.includes('authorization_code')) {
      throw new BrokerError(ErrorCodes.grantTypeUnsupported, `grant_type ${String(body.grant_type)} is not supported`);
    }
    if (typeof body.code !== 'string' || body.code === '') throw new BrokerError(ErrorCodes.requestInvalid, 'code is required');
    let grant;
    try {
      grant = await this.codes.redeem({ code: body.code, clientId: client.id, redirectUri: body.redirect_uri, codeVerifier: body.code_verifier });
    } catch (err) {
      if (err instanceof BrokerError) await this.audit.record({ type: 'token.refused', outcome: 'failure', reason: err.code, clientId: client.id });
      throw err;
    }
    const profile = await this.login.profile(grant.principalId);
    if (!profile) throw new BrokerError(ErrorCodes.codeInvalid, 'principal no longer exists');
    const roles = await this.authorization.rolesFor(grant.principalId, client.id, []);
    const access = await this.tokens.mintAccessToken({
      sub: grant.principalId,
      clientId: client.id,
      scope: grant.scope,
      authTime: grant.authTime,
      acr: grant.acr,
      amr: grant.amr,
      roles,
      lifetimeSeconds: client.accessTokenLifetimeSeconds,
    });
    const idToken = await this.tokens.mintIdToken({
      sub: grant.principalId,
      clientId: client.id,
      alg: client.idTokenSignedResponseAlg,
      nonce: grant.nonce,
      authTime: grant.authTime,
      acr: grant.acr,
      amr: grant.amr,
      accessToken: access.token,
      claims: claimsForScope(profile, grant.scope),
      lifetimeSeconds: client.idTokenLifetimeSeconds,
    });
    await this.audit.record({ type: 'token.issued', outcome: 'success', clientId: client.id, principalId: grant.principalId, providerId: grant.providerId, details: { jti: access.jti, grant_type: 'authorization_code' } });
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    return { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn, id_token: idToken, scope: grant.scope };
  }
}
