import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AccountController } from './account/account.controller';
import { BackchannelLogout } from './backchannel-logout.service';
import { LogoutOutboxEntity } from './logout-outbox.entity';
import { LogoutOutbox } from './logout-outbox';
import { BrokerSessionEntity, SessionClientEntity } from './session.entity';
import { SessionService } from './session.service';

/** The entities sessions/ owns, registered by the composition root's DataSource. */
export const SESSIONS_ENTITIES = [BrokerSessionEntity, SessionClientEntity, LogoutOutboxEntity];

/**
 * Broker (SSO) sessions, their ending, and the logout fan-out (DESIGN.md §2, §6). Needs the
 * `SESSION_SETTINGS` and `LOGOUT_SETTINGS` slices and a {@link LogoutTokenSigner} (bound to
 * tokens/) from the composition root. Exports {@link SessionService} and {@link BackchannelLogout}.
 */
@Module({ imports: [AuditModule], controllers: [AccountController], providers: [SessionService, LogoutOutbox, BackchannelLogout], exports: [SessionService, BackchannelLogout] })
export class SessionsModule {}

export { SessionService } from './session.service';
export { BackchannelLogout } from './backchannel-logout.service';
export { readSessionCookie, setSessionCookie, clearSessionCookie, sessionCookieName } from './session-cookie';
export { decideReuse, type ReuseDecision } from './sessions.rules';
export { crossSiteReason, type SiteHeaders } from './account/account-csrf.rules';
export {
  SESSION_SETTINGS,
  type SessionSettings,
  type BrokerSession,
  type NewSession,
  type EndReason,
  type SessionEndReport,
  type SessionEndListener,
} from './session.types';
export {
  LOGOUT_SETTINGS,
  DEFAULT_BACKCHANNEL_RETRY_SECONDS,
  LogoutTokenSigner,
  type LogoutSettings,
  type BackchannelClient,
  type LogoutTokenAlg,
  type LogoutTokenRequest,
} from './logout.types';
