import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { BrokerSessionEntity, SessionClientEntity } from './session.entity';
import { SessionService } from './session.service';

/** The entities sessions/ owns, registered by the composition root's DataSource. */
export const SESSIONS_ENTITIES = [BrokerSessionEntity, SessionClientEntity];

/**
 * Broker (SSO) sessions and their ending (DESIGN.md §6). Needs the `SESSION_SETTINGS` slice from
 * the composition root. Exports {@link SessionService}.
 */
@Module({ imports: [AuditModule], providers: [SessionService], exports: [SessionService] })
export class SessionsModule {}

export { SessionService } from './session.service';
export { readSessionCookie, setSessionCookie, clearSessionCookie, sessionCookieName } from './session-cookie';
export { decideReuse, type ReuseDecision } from './sessions.rules';
export {
  SESSION_SETTINGS,
  type SessionSettings,
  type BrokerSession,
  type NewSession,
  type EndReason,
  type SessionEndReport,
  type SessionEndListener,
} from './session.types';
