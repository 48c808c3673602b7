import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ConnectorsModule } from '../connectors/connectors.module';
import { LinkingModule } from '../linking/linking.module';
import { SessionsModule } from '../sessions/sessions.module';
import { LoginTransactionEntity } from './login-transaction.entity';
import { LoginTransactionStore } from './login-transaction.store';
import { LoginController } from './login.controller';
import { LoginService } from './login.service';
import { UpstreamAnswers } from './upstream-answers.service';
import { UpstreamLogoutEntity } from './upstream-logout.entity';
import { UpstreamLogouts } from './upstream-logouts.service';
import { LoginTraceEntity, LoginTraces } from './login-traces';
import { UpstreamCheck } from './upstream-check.service';
import { LinkConfirmationFlow } from './link-confirmation';

/** The entities login/ owns, registered by the composition root's DataSource. */
export const LOGIN_ENTITIES = [LoginTransactionEntity, UpstreamLogoutEntity, LoginTraceEntity];

/**
 * The login flow (DESIGN.md §1 steps 2–7) as a state machine over the login transaction.
 * Needs the `LOGIN_SETTINGS` slice and the `AuthorizationPort` (both provided by the composition
 * root). Exports {@link LoginService}.
 */
@Module({
  imports: [AuditModule, ConnectorsModule, LinkingModule, SessionsModule],
  controllers: [LoginController],
  providers: [LoginTransactionStore, LoginService, UpstreamAnswers, UpstreamLogouts, LoginTraces, UpstreamCheck, LinkConfirmationFlow],
  exports: [LoginService, UpstreamLogouts, LoginTraces, UpstreamCheck],
})
export class LoginModule {}

export { LoginService, type StartedLogin } from './login.service';
export { UpstreamLogouts } from './upstream-logouts.service';
export { LoginTraces, loginTraceOf, type LoginTrace } from './login-traces';
export { UpstreamCheck } from './upstream-check.service';
export { cookieReader, setBinding, clearBinding, type CookieReader, type LoginBinding } from './browser-binding';
export { sendStep } from './steps';
export { pendingLinkPageHtml } from './linking-pages';
export { LOGIN_SETTINGS, type AuthorizationRequest, type LoginOutcome, type LoginStep, type FinishedLogin, type LoginGrant, type LoginSettings } from './types';
