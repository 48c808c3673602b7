import { All, Controller, Delete, Get, HttpCode, Inject, Param, ParseUUIDPipe, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBadRequestResponse,
  ApiExcludeEndpoint,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuditReader } from '../audit/audit.module';
import { BrokerError, Clock, refuseMethod, wrongMethodError } from '../common';
import { PrincipalClaimsReader } from '../linking/linking.module';
import { SessionService } from '../sessions/sessions.module';
import { AdminErrorDto, AdminSessionDetailDto, AdminSessionListDto, EndAllReportDto } from './admin.dto';
import { AdminJsonErrorFilter } from './admin-json-error.filter';
import { AdminTokenGuard } from './admin-token.guard';
import { adminSessionView, endReportView, logoutReportView, newestFirst, notificationsView } from './admin-views.rules';

/** `ParseUUIDPipe`: a path id that is not a UUID is a 400 `request.invalid`, never a database error. */
const UUID = new ParseUUIDPipe();
const ID = { name: 'id', format: 'uuid' } as const;

/**
 * Broker sessions in the admin API (issue 7 items 4 and 9; DESIGN.md §6): list a principal's
 * sessions, read one with its logout report, end one or all. Ending goes through
 * SessionService.end (reason `admin`), the one path every ending takes (audit, back-channel
 * logout, userinfo refusing the session's tokens).
 */
@ApiTags('sessions')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: AdminErrorDto, description: 'Missing or wrong `Authorization: Bearer <TESSERA_ADMIN_TOKEN>` (`admin.unauthorized`).' })
@ApiBadRequestResponse({ type: AdminErrorDto, description: 'The id is not a UUID (`request.invalid`).' })
@Controller('admin/v1')
@UseGuards(AdminTokenGuard)
@UseFilters(AdminJsonErrorFilter)
export class AdminSessionsController {
  constructor(
    @Inject(SessionService) private readonly sessions: SessionService,
    @Inject(AuditReader) private readonly audit: AuditReader,
    @Inject(PrincipalClaimsReader) private readonly principals: PrincipalClaimsReader,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** `GET /admin/v1/principals/{id}/sessions`. @throws `admin.not_found` for an unknown principal without sessions. */
  @Get('principals/:id/sessions')
  @ApiOperation({ summary: "A principal's sessions, newest first", operationId: 'listPrincipalSessions' })
  @ApiParam(ID)
  @ApiOkResponse({ type: AdminSessionListDto })
  @ApiNotFoundResponse({ type: AdminErrorDto, description: 'No such principal (`admin.not_found`).' })
  async list(@Param('id', UUID) principalId: string): Promise<AdminSessionListDto> {
    const found = await this.sessions.listForPrincipal(principalId);
    if (found.length === 0) await this.requirePrincipal(principalId);
    const now = this.clock.nowSeconds();
    return { principalId, sessions: newestFirst(found).map((s) => adminSessionView(s, now)) };
  }

  /** `DELETE /admin/v1/principals/{id}/sessions`: ends every live session of the principal. */
  @Delete('principals/:id/sessions')
  @HttpCode(200)
  @ApiOperation({ summary: "End every live session of a principal (reason `admin`)", operationId: 'endPrincipalSessions' })
  @ApiParam(ID)
  @ApiOkResponse({ type: EndAllReportDto, description: 'One report per session ended now (none when nothing was live).' })
  @ApiNotFoundResponse({ type: AdminErrorDto, description: 'No such principal (`admin.not_found`).' })
  async endAll(@Param('id', UUID) principalId: string): Promise<EndAllReportDto> {
    const reports = await this.sessions.endAllForPrincipal(principalId, 'admin');
    if (reports.length === 0) await this.requirePrincipal(principalId);
    return { principalId, ended: reports.map(endReportView) };
  }

  /** `GET /admin/v1/sessions/{id}`: the session with its logout report (issue 7 item 9). */
  @Get('sessions/:id')
  @ApiOperation({ summary: 'One session, with its logout report once it has ended', operationId: 'getSession' })
  @ApiParam(ID)
  @ApiOkResponse({ type: AdminSessionDetailDto })
  @ApiNotFoundResponse({ type: AdminErrorDto, description: 'No such session (`admin.not_found`); ended sessions are kept a day.' })
  async get(@Param('id', UUID) sid: string): Promise<AdminSessionDetailDto> {
    const session = await this.sessions.get(sid);
    if (!session) throw new BrokerError('admin.not_found', 'no such session');
    const [ended] = session.endedAt === undefined ? [] : await this.audit.eventsFor({ type: 'session.ended', sid, limit: 1 });
    if (!ended) return { ...adminSessionView(session, this.clock.nowSeconds()), logoutReport: null };
    const events = [];
    for (const type of ['logout.backchannel_queued', 'logout.backchannel_delivered', 'logout.backchannel_failed', 'upstream.logout_started']) {
      events.push(...(await this.audit.eventsFor({ type, sid, limit: 100 })));
    }
    const notified = notificationsView(session.clients, events, session.endReason ?? null);
    return { ...adminSessionView(session, this.clock.nowSeconds()), logoutReport: { ...logoutReportView(ended), notifications: notified.clients, upstream: notified.upstream } };
  }

  /** `DELETE /admin/v1/sessions/{id}`: 204, or 404 when unknown or already ended. */
  @Delete('sessions/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'End one session (reason `admin`)', operationId: 'endSession' })
  @ApiParam(ID)
  @ApiNoContentResponse({ description: 'Ended now: its cookie and its tokens are refused from now on; its logout report is at GET /admin/v1/sessions/{id}.' })
  @ApiNotFoundResponse({ type: AdminErrorDto, description: 'No such session, or it had already ended (`admin.not_found`).' })
  async end(@Param('id', UUID) sid: string): Promise<void> {
    const report = await this.sessions.end(sid, 'admin');
    if (!report) throw new BrokerError('admin.not_found', 'no such live session');
  }

  /** Any other method on these resources: 405 with `Allow` (RFC 9110 §15.5.6). */
  @All(['principals/:id/sessions', 'sessions/:id'])
  @ApiExcludeEndpoint()
  otherMethods(@Res() res: Response): never {
    refuseMethod(res, ['GET', 'DELETE']);
  }

  private async requirePrincipal(principalId: string): Promise<void> {
    if (!(await this.principals.claimsFor(principalId))) throw new BrokerError('admin.not_found', 'no such principal');
  }
}

/**
 * Every other path under /admin: `admin.not_found` as JSON, behind the same bearer token (so
 * probing without it learns nothing: 401 first). A path that is an admin route under other
 * methods is 405 `request.method_not_allowed` with `Allow` instead (RFC 9110 §15.5.6; common/
 * wrongMethodError). Registered after the real controllers.
 */
@Controller('admin')
@UseGuards(AdminTokenGuard)
@UseFilters(AdminJsonErrorFilter)
export class AdminFallbackController {
  /** Any method, any path under /admin that no admin controller answers for that method. */
  @All(['', '*path'])
  @ApiExcludeEndpoint()
  notFound(@Req() req: Request, @Res() res: Response): never {
    throw wrongMethodError(req, res) ?? new BrokerError('admin.not_found', 'no such admin resource');
  }
}
