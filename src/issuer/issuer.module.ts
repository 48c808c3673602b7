import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthorizationModule } from '../authorization/authorization.module';
import { LoginModule } from '../login/login.module';
import { TokensModule } from '../tokens/tokens.module';
import { AuthorizationCodes } from './authorization-codes.service';
import { AuthorizeController } from './authorize.controller';
import { ClientRegistry } from './client-registry';
import { DiscoveryController } from './discovery.controller';
import { TokenController } from './token.controller';
import { UserinfoController } from './userinfo.controller';

/** The OpenID Provider that apps talk to (DESIGN.md §2). Exports nothing: apps reach it over HTTP. */
@Module({
  imports: [LoginModule, TokensModule, AuthorizationModule, AuditModule],
  controllers: [DiscoveryController, AuthorizeController, TokenController, UserinfoController],
  providers: [ClientRegistry, AuthorizationCodes],
})
export class IssuerModule {}

export { AuthorizationCodeEntity } from './authorization-code.entity';
export { OAuthJsonErrorFilter, isOAuthJsonPath } from './oauth-json-error.filter';
