import { Inject, Injectable } from '@nestjs/common';
import { AuditSink } from '../../audit/audit.module';
import { BrokerError } from '../../common';
import { TokenService } from '../../tokens/tokens.module';
import type { GrantHandler, TokenRequest, TokenResponse } from './grant-handler';

/** Scopes that speak of a user: meaningless for a client acting on its own behalf. */
const USER_SCOPES = new Set(['openid', 'email', 'profile', 'offline_access', 'roles']);

/**
 * `grant_type=client_credentials` (RFC 6749 §4.4): a confidential client, already authenticated
 * by the token endpoint, gets an access token (RFC 9068) for itself: `sub` = `client_id`
 * (RFC 9068 §2.2), no ID token and no refresh token (§4.4.3). The scope is what it asks for
 * among its allowed scopes, user scopes excluded; without `scope`, all of those.
 * Used by AuthZEN callers (issue 11 item 5).
 */
@Injectable()
export class ClientCredentialsGrant implements GrantHandler {
  readonly grantType = 'client_credentials';

  constructor(
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(AuditSink) private readonly audit: AuditSink,
  ) {}

  /** @throws BrokerError `authz.scope_invalid` (invalid_scope) for a scope the client may not have. */
  async handle({ client, params }: TokenRequest): Promise<TokenResponse> {
    if (client.type !== 'confidential') throw new BrokerError('token.grant_type_unauthorized', 'client_credentials needs a confidential client');
    const allowed = client.scopes.filter((s) => !USER_SCOPES.has(s));
    const asked = params.scope === undefined ? allowed : params.scope.split(' ').filter((s) => s !== '');
    const refused = asked.filter((s) => !allowed.includes(s));
    if (refused.length > 0) {
      await this.audit.record({ type: 'token.refused', outcome: 'failure', reason: 'authz.scope_invalid', clientId: client.id, details: { refused } });
      throw new BrokerError('authz.scope_invalid', `scope not allowed for client_credentials: ${refused.join(' ')}`);
    }
    const scope = [...new Set(asked)].join(' ');
    const access = await this.tokens.mintAccessToken({ sub: client.id, clientId: client.id, scope, lifetimeSeconds: client.accessTokenLifetimeSeconds });
    await this.audit.record({ type: 'token.issued', outcome: 'success', clientId: client.id, details: { jti: access.jti, grant_type: this.grantType } });
    return { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn, scope };
  }
}
