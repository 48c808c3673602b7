import { ApiProperty } from '@nestjs/swagger';
import type { AdminSessionView, EndReportView, LogoutReportView, SessionState } from './admin-views.rules';

/**
 * OpenAPI shapes of the admin API's answers (@nestjs/swagger reads these classes; the handlers
 * return the plain views of ./admin-views.rules, which these classes implement).
 */

const STATES: SessionState[] = ['live', 'ended', 'expired', 'idle_expired'];

/** One broker session (DESIGN.md §6). */
export class AdminSessionDto implements AdminSessionView {
  @ApiProperty({ format: 'uuid', description: 'The session id: `sid` in tokens and logout tokens.' })
  sid!: string;
  @ApiProperty({ format: 'uuid' })
  principalId!: string;
  @ApiProperty({ description: 'The upstream provider the session was authenticated with (providers/<id>.yaml).' })
  provider!: string;
  @ApiProperty({ enum: STATES, description: 'live, or why not: ended beats expired, the absolute expiry beats the idle one.' })
  state!: SessionState;
  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
  @ApiProperty({ format: 'date-time' })
  lastSeenAt!: string;
  @ApiProperty({ format: 'date-time', description: 'Idle expiry: moves forward with use, never past the absolute expiry.' })
  idleExpiresAt!: string;
  @ApiProperty({ format: 'date-time' })
  absoluteExpiresAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'When the user authenticated upstream.' })
  authTime!: string | null;
  @ApiProperty({ nullable: true, type: String })
  acr!: string | null;
  @ApiProperty({ type: [String] })
  amr!: string[];
  @ApiProperty()
  ended!: boolean;
  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  endedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, enum: ['logout', 'admin', 'user', 'limit', 'replaced', 'upstream_logout', 'theft'] })
  endReason!: string | null;
  @ApiProperty({ type: [String], description: 'client_ids that received a code in this session, in that order.' })
  clients!: string[];
}

/** A principal's sessions. */
export class AdminSessionListDto {
  @ApiProperty({ format: 'uuid' })
  principalId!: string;
  @ApiProperty({ type: [AdminSessionDto], description: 'Newest first; ended and expired sessions stay listed for a day.' })
  sessions!: AdminSessionDto[];
}

/** The logout report: the `session.ended` audit event of a session (issue 7 item 9). */
export class LogoutReportDto implements LogoutReportView {
  @ApiProperty({ format: 'date-time' })
  endedAt!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Why the session ended (logout, admin, user, limit, …).' })
  reason!: string | null;
  @ApiProperty({ type: [String], description: 'The clients of the session when it ended.' })
  clients!: string[];
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The session.ended audit event details as written.' })
  details!: Record<string, unknown>;
  @ApiProperty({ description: 'Per client of the session: how its back-channel logout went (delivered, failed, pending, not_registered), attempts, last HTTP status.', type: 'array', items: { type: 'object' } })
  notifications!: Array<{ clientId: string; result: string; attempts: number; lastStatus: number | null }>;
  @ApiProperty({ enum: ['told', 'ended_by_upstream', 'not_told'], description: 'Whether the upstream IdP was told (logout continued there) or was the one that ended the session.' })
  upstream!: string;
}

/** One session with its logout report (null while the session has not ended). */
export class AdminSessionDetailDto extends AdminSessionDto {
  @ApiProperty({ type: LogoutReportDto, nullable: true })
  logoutReport!: LogoutReportDto | null;
}

/** What ending one session did. */
export class EndReportDto implements EndReportView {
  @ApiProperty({ format: 'uuid' })
  sid!: string;
  @ApiProperty({ format: 'uuid' })
  principalId!: string;
  @ApiProperty({ example: 'admin' })
  reason!: string;
  @ApiProperty({ format: 'date-time' })
  endedAt!: string;
  @ApiProperty({ type: [String] })
  clients!: string[];
}

/** The answer to ending all of a principal's sessions. */
export class EndAllReportDto {
  @ApiProperty({ format: 'uuid' })
  principalId!: string;
  @ApiProperty({ type: [EndReportDto], description: 'One report per session ended now; sessions already ended are not listed.' })
  ended!: EndReportDto[];
}

/** Every admin API error: the OAuth error and the stable code (README "Errors an app can receive"). */
export class AdminErrorDto {
  @ApiProperty({ example: 'invalid_token' })
  error!: string;
  @ApiProperty({ example: 'admin.unauthorized', description: 'The stable code (src/common/error-codes.ts).' })
  error_description!: string;
}
