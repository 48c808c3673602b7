import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { LinkingModule } from '../linking/linking.module';
import { LoginModule } from '../login/login.module';
import { SessionsModule } from '../sessions/sessions.module';
import { TokensModule } from '../tokens/tokens.module';
import { AuthorizationCodeEntity } from './authorization-code.entity';
import { AuthorizationCodes } from './authorization-codes.service';
import { AuthorizeController } from './authorize.controller';
import { ClientRegistry } from './client-registry';
import { DiscoveryController } from './discovery.controller';
import { EndSessionController } from './end-session.controller';
import { AuthorizationCodeGrant } from './grants/authorization-code.grant';
import { ClientCredentialsGrant } from './grants/client-credentials.grant';
import { RefreshTokenGrant } from './grants/refresh-token.grant';
import { IntrospectController } from './introspect.controller';
import { RevocationsController } from './revocations.controller';
import { CaepDelivery } from './caep-delivery.service';
import { RevokeController } from './revoke.controller';
import { SessionRevocationBridge } from './session-revocation.bridge';
import { GRANT_HANDLERS, type GrantHandler } from './grants/grant-handler';
import { TokenController } from './token.controller';
import { UserinfoController } from './userinfo.controller';
import { InitiateLoginController } from './initiate-login.controller';

/** The entities issuer/ owns, registered by the composition root's DataSource. */
export const ISSUER_ENTITIES = [AuthorizationCodeEntity];

/**
 * The OpenID Provider that apps talk to (DESIGN.md §2). Needs the `ISSUER_SETTINGS` slice and the
 * `AuthorizationPort` from the composition root. The token endpoint dispatches on `grant_type`
 * through `GRANT_HANDLERS`: a new grant is a handler added to that list. Exports nothing: apps
 * reach it over HTTP.
 */
@Module({
  imports: [LoginModule, TokensModule, AuditModule, LinkingModule, SessionsModule],
  controllers: [DiscoveryController, AuthorizeController, TokenController, UserinfoController, EndSessionController, InitiateLoginController, RevokeController, IntrospectController, RevocationsController],
  providers: [
    ClientRegistry,
    AuthorizationCodes,
    AuthorizationCodeGrant,
    ClientCredentialsGrant,
    RefreshTokenGrant,
    SessionRevocationBridge,
    CaepDelivery,
    { provide: GRANT_HANDLERS, useFactory: (...handlers: GrantHandler[]) => handlers, inject: [AuthorizationCodeGrant, RefreshTokenGrant, ClientCredentialsGrant] },
  ],
})
export class IssuerModule {}

export { ISSUER_SETTINGS, type IssuerSettings } from './issuer.settings';
export { OAuthJsonErrorFilter, isOAuthJsonPath } from './oauth-json-error.filter';
