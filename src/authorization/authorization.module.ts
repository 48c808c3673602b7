import { Global, Module, type DynamicModule } from '@nestjs/common';
import { AuthorizationPort, NoRolesAuthorization } from './authorization.port';

/**
 * Authorization: exports only {@link AuthorizationPort} (DESIGN.md §2), globally, so login/ and
 * issuer/ inject the port without reaching into this module. Roles, bindings and Cedar policies
 * come in a later issue; until then the composition root may hand in another implementation
 * (tests record what reaches the port).
 */
@Global()
@Module({})
export class AuthorizationModule {
  static forRoot(port?: AuthorizationPort): DynamicModule {
    return {
      module: AuthorizationModule,
      providers: [port ? { provide: AuthorizationPort, useValue: port } : { provide: AuthorizationPort, useClass: NoRolesAuthorization }],
      exports: [AuthorizationPort],
    };
  }
}

export { AuthorizationPort, type AccessRequest, type AccessDecision } from './authorization.port';
