import { Inject, Injectable } from '@nestjs/common';
import { AuditSink } from '../../audit/audit.module';
import { BrokerError, Clock, ErrorCodes, sha256 } from '../../common';
import { AuthorizationPort } from '../../authorization/authorization.module';
import { PrincipalClaimsReader } from '../../linking/linking.module';
import { SessionService, type BrokerSession } from '../../sessions/sessions.module';
import { familyLifetime, RefreshTokens, TokenService } from '../../tokens/tokens.module';
import { AuthorizationCodes } from '../authorization-codes.service';
import { claimsForScope, wantsRoles } from '../claims.rules';
import type { GrantHandler, TokenRequest, TokenResponse } from './grant-handler';
import type { ClientConfig } from '../../config';
import type { LoginGrant } from '../../login/login.module';

/**
 * `grant_type=authorization_code` (RFC 6749 §4.1.3, OIDC Core §3.1.3): redeems the code and
 * mints an access token (RFC 9068) and an ID token from the grant the login stored with it —
 * principal, authn facts and the roles authorization decided at login; nothing is re-derived.
 */
@Injectable()
export class AuthorizationCodeGrant implements GrantHandler {
  readonly grantType = 'authorization_code';

  constructor(
    @Inject(AuthorizationCodes) private readonly codes: AuthorizationCodes,
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(PrincipalClaimsReader) private readonly principals: PrincipalClaimsReader,
    @Inject(AuditSink) private readonly audit: AuditSink,
    @Inject(SessionService) private readonly sessions: SessionService,
    @Inject(AuthorizationPort) private readonly authorization: AuthorizationPort,
    @Inject(RefreshTokens) private readonly refreshTokens: RefreshTokens,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async handle({ client, params }: TokenRequest): Promise<TokenResponse> {
    if (!params.code) throw new BrokerError(ErrorCodes.requestInvalid, 'code is required');
    let redeemed;
    try {
      redeemed = await this.codes.redeem({ code: params.code, clientId: client.id, redirectUri: params.redirect_uri, codeVerifier: params.code_verifier });
    } catch (err) {
      if (err instanceof BrokerError) await this.audit.record({ type: 'token.refused', outcome: 'failure', reason: err.code, clientId: client.id });
      // RFC 6749 §4.1.2: a replayed code revokes the tokens already issued from it.
      if (err instanceof BrokerError && err.code === ErrorCodes.codeReused) {
        const revoked = await this.refreshTokens.revokeIssuedFromCode(sha256(params.code));
        if (revoked > 0) await this.audit.record({ type: 'token.revoked', outcome: 'info', reason: ErrorCodes.codeReused, clientId: client.id, details: { revoked } });
      }
      throw err;
    }
    const { grant, scope, nonce } = redeemed;
    // DESIGN.md §6: no tokens for a session that ended after its code was issued (its apps may
    // already have been told of the logout).
    const session = grant.sessionId !== undefined ? await this.sessions.live(grant.sessionId) : undefined;
    if (grant.sessionId !== undefined && !session) {
      await this.audit.record({ type: 'token.refused', outcome: 'failure', reason: 'token.session_ended', clientId: client.id, principalId: grant.principalId, details: { sid: grant.sessionId } });
      throw new BrokerError('token.session_ended', 'the session of this code has ended');
    }
    const profile = await this.principals.claimsFor(grant.principalId);
    if (!profile) throw new BrokerError(ErrorCodes.codeInvalid, 'principal no longer exists');
    // Roles as authorization decided them at login; the version as it is now (issue 11 items 6, 8).
    const roles = wantsRoles(client, scope) ? grant.roles : undefined;
    const { version } = await this.authorization.describe(grant.principalId);
    const access = await this.tokens.mintAccessToken({
      sub: grant.principalId,
      clientId: client.id,
      scope,
      authTime: grant.authTime,
      acr: grant.acr,
      amr: grant.amr,
      roles,
      authzVersion: version,
      sid: grant.sessionId,
      lifetimeSeconds: client.accessTokenLifetimeSeconds,
    });
    const idToken = await this.tokens.mintIdToken({
      sub: grant.principalId,
      clientId: client.id,
      alg: client.idTokenSignedResponseAlg,
      nonce,
      authTime: grant.authTime,
      acr: grant.acr,
      amr: grant.amr,
      accessToken: access.token,
      claims: { ...claimsForScope(profile, scope), ...(roles ? { roles } : {}) },
      sid: grant.sessionId,
      lifetimeSeconds: client.idTokenLifetimeSeconds,
    });
    const accessExp = this.clock.nowSeconds() + access.expiresIn;
    // A family started from the code records the code's issuance in the same statement.
    const refreshToken = await this.startFamily(client, grant, session, scope, sha256(params.code), { jti: access.jti, exp: accessExp });
    if (refreshToken === undefined) await this.refreshTokens.recordCodeIssuance(sha256(params.code), { jti: access.jti, clientId: client.id, principalId: grant.principalId, accessExp });
    await this.audit.record({ type: 'token.issued', outcome: 'success', clientId: client.id, principalId: grant.principalId, providerId: grant.providerId, details: { jti: access.jti, grant_type: this.grantType, refresh: refreshToken !== undefined } });
    return { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn, id_token: idToken, scope, ...(refreshToken ? { refresh_token: refreshToken } : {}) };
  }

  /**
   * Starts a refresh-token family (DESIGN.md §6) when the client may use the refresh_token
   * grant: bound to the broker session (its absolute expiry), or — `offline_access` granted to a
   * client whose file allows it — an offline family (idle 30 d, absolute 90 d, client overrides
   * capped). No session and no offline access: no refresh token. `session` is the live session
   * read once at the start of the request.
   * @returns the refresh token, or undefined.
   */
  private async startFamily(client: ClientConfig, grant: LoginGrant, session: BrokerSession | undefined, scope: string, codeHash: string, access: { jti: string; exp: number }): Promise<string | undefined> {
    if (!(client.grantTypes as readonly string[]).includes('refresh_token')) return undefined;
    const offline = client.offlineAccess === true && scope.split(' ').includes('offline_access');
    if (!offline && !session) return undefined;
    const now = this.clock.now();
    const lifetime = familyLifetime({
      now,
      offline,
      ...(session ? { sessionAbsoluteExpiresAt: new Date(session.absoluteExpiresAt * 1000) } : {}),
      ...(client.refreshTokenIdleSeconds !== undefined ? { idleSecondsOverride: client.refreshTokenIdleSeconds } : {}),
      ...(client.refreshTokenAbsoluteSeconds !== undefined ? { absoluteSecondsOverride: client.refreshTokenAbsoluteSeconds } : {}),
    });
    const { token } = await this.refreshTokens.issue({
      clientId: client.id,
      principalId: grant.principalId,
      ...(grant.sessionId !== undefined ? { sessionId: grant.sessionId } : {}),
      scope,
      offline,
      grant: { ...grant },
      codeHash,
      lifetime,
      ...(offline ? { idleSeconds: Math.round((lifetime.idleExpiresAt.getTime() - now.getTime()) / 1000) } : {}),
      access,
    });
    return token;
  }
}
