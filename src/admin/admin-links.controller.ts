import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AuditSink } from '../audit/audit.module';
import { BrokerError } from '../common';
import { LinkAdmin } from '../linking/linking.module';
import { AdminErrorDto } from './admin.dto';
import { ApproveLinkDto, PendingLinkDto, PendingLinkListDto } from './admin-links.dto';
import { AdminJsonErrorFilter } from './admin-json-error.filter';
import { ADMIN_ACTOR } from './admin-principals.controller';
import { AdminTokenGuard } from './admin-token.guard';

const UUID = new ParseUUIDPipe();

/**
 * Pending links in the admin API (issue 10 items 8, 11, 13): list, approve (bind to a principal
 * or create one), reject. The next login of the waiting identity applies the decision.
 */
@ApiTags('links')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: AdminErrorDto, description: 'Missing or wrong `Authorization: Bearer <TESSERA_ADMIN_TOKEN>` (`admin.unauthorized`).' })
@ApiBadRequestResponse({ type: AdminErrorDto, description: 'An id is not a UUID, or the body is not `{principalId}` or `{create: true}` (`request.invalid`).' })
@Controller('admin/v1/pending-links')
@UseGuards(AdminTokenGuard)
@UseFilters(AdminJsonErrorFilter)
export class AdminLinksController {
  constructor(
    @Inject(LinkAdmin) private readonly links: LinkAdmin,
    @Inject(AuditSink) private readonly audit: AuditSink,
  ) {}

  /** `GET /admin/v1/pending-links`: waiting or decided-but-unused links, oldest first. */
  @Get()
  @ApiOperation({ summary: 'Pending links', operationId: 'listPendingLinks' })
  @ApiOkResponse({ type: PendingLinkListDto })
  async list(): Promise<PendingLinkListDto> {
    return { pendingLinks: await this.links.pending() };
  }

  /** `POST /admin/v1/pending-links/{id}/approve`. @throws `admin.not_found`, `request.invalid`. */
  @Post(':id/approve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve: bind to a principal (`principalId`) or create one (`create: true`) at the next login', operationId: 'approvePendingLink' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: PendingLinkDto })
  @ApiNotFoundResponse({ type: AdminErrorDto, description: 'No such pending link waiting for a decision, or no such principal (`admin.not_found`).' })
  async approve(@Param('id', UUID) id: string, @Body() body: ApproveLinkDto): Promise<PendingLinkDto> {
    const hasPrincipal = typeof body?.principalId === 'string';
    if (hasPrincipal === (body?.create === true)) throw new BrokerError('request.invalid', 'give exactly one of principalId or create: true');
    const view = await this.links.approve(id, hasPrincipal ? { principalId: body.principalId! } : { create: true }, ADMIN_ACTOR);
    await this.audit.record({ type: 'admin.link_approved', outcome: 'success', providerId: view.providerId, principalId: view.candidatePrincipalId ?? undefined, details: { pendingLinkId: id, create: !hasPrincipal } });
    return view;
  }

  /** `POST /admin/v1/pending-links/{id}/reject`. @throws `admin.not_found`. */
  @Post(':id/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject: the next login of the identity is refused', operationId: 'rejectPendingLink' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: PendingLinkDto })
  @ApiNotFoundResponse({ type: AdminErrorDto, description: 'No such pending link waiting for a decision (`admin.not_found`).' })
  async reject(@Param('id', UUID) id: string): Promise<PendingLinkDto> {
    const view = await this.links.reject(id, ADMIN_ACTOR);
    await this.audit.record({ type: 'admin.link_rejected', outcome: 'success', providerId: view.providerId, details: { pendingLinkId: id } });
    return view;
  }
}
