import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ConnectorsModule } from '../connectors/connectors.module';
import { LinkingModule } from '../linking/linking.module';
import { LoginController } from './login.controller';
import { LoginService } from './login.service';

/** The login flow (DESIGN.md §1 steps 2–6). Exports {@link LoginService}. */
@Module({
  imports: [AuditModule, ConnectorsModule, LinkingModule],
  controllers: [LoginController],
  providers: [LoginService],
  exports: [LoginService],
})
export class LoginModule {}

export { LoginService } from './login.service';
export { ensureBinding, readBinding } from './browser-binding';
export type { AuthorizationRequest, LoginOutcome, LoginStep, FinishedLogin } from './types';
export type { PrincipalProfile } from '../linking/linking.module';
export { LoginTransactionEntity } from './login-transaction.entity';
