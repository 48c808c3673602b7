import { Module } from '@nestjs/common';
import { AuthorizationPort, NoRolesAuthorization } from './authorization.port';

/** Authorization: exports only {@link AuthorizationPort}. Roles and Cedar policies come in a later issue. */
@Module({ providers: [{ provide: AuthorizationPort, useClass: NoRolesAuthorization }], exports: [AuthorizationPort] })
export class AuthorizationModule {}

export { AuthorizationPort } from './authorization.port';
