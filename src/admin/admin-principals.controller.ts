import { Controller, Delete, Get, HttpCode, Inject, Param, ParseUUIDPipe, Query, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AuditSink } from '../audit/audit.module';
import { BrokerError } from '../common';
import { LinkAdmin } from '../linking/linking.module';
import { AdminErrorDto } from './admin.dto';
import { PrincipalDto, PrincipalListDto } from './admin-links.dto';
import { AdminJsonErrorFilter } from './admin-json-error.filter';
import { AdminTokenGuard } from './admin-token.guard';

const UUID = new ParseUUIDPipe();
/** The admin API has one bearer token; the ledger names its holder so. */
export const ADMIN_ACTOR = 'admin-token';

/**
 * Principals in the admin API (issue 10 item 13): find by email, read one with its identities
 * and their ledger entries, unlink an identity (the principal keeps its other identities; the
 * ledger keeps the history).
 */
@ApiTags('principals')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: AdminErrorDto, description: 'Missing or wrong `Authorization: Bearer <TESSERA_ADMIN_TOKEN>` (`admin.unauthorized`).' })
@ApiBadRequestResponse({ type: AdminErrorDto, description: 'An id is not a UUID (`request.invalid`).' })
@Controller('admin/v1')
@UseGuards(AdminTokenGuard)
@UseFilters(AdminJsonErrorFilter)
export class AdminPrincipalsController {
  constructor(
    @Inject(LinkAdmin) private readonly links: LinkAdmin,
    @Inject(AuditSink) private readonly audit: AuditSink,
  ) {}

  /** `GET /admin/v1/principals?email=…`: principals whose profile or any identity has the email (case-insensitive, B14). */
  @Get('principals')
  @ApiOperation({ summary: 'Find principals by email (or list the newest 100)', operationId: 'listPrincipals' })
  @ApiQuery({ name: 'email', required: false })
  @ApiOkResponse({ type: PrincipalListDto })
  async list(@Query('email') email?: string): Promise<PrincipalListDto> {
    if (email !== undefined && typeof email !== 'string') throw new BrokerError('request.invalid', 'email must be one string');
    return { principals: await this.links.principals(email) };
  }

  /** `GET /admin/v1/principals/{id}`. @throws `admin.not_found`. */
  @Get('principals/:id')
  @ApiOperation({ summary: 'A principal with its identities and their ledger entries', operationId: 'getPrincipal' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: PrincipalDto })
  @ApiNotFoundResponse({ type: AdminErrorDto, description: 'No such principal (`admin.not_found`).' })
  async get(@Param('id', UUID) id: string): Promise<PrincipalDto> {
    return this.links.principal(id);
  }

  /** `DELETE /admin/v1/principals/{id}/identities/{identityId}`: unlink. @throws `admin.not_found`. */
  @Delete('principals/:id/identities/:identityId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unlink one identity from a principal (recorded in the ledger)', operationId: 'unlinkIdentity' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'identityId', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Unlinked.' })
  @ApiNotFoundResponse({ type: AdminErrorDto, description: 'No such identity of this principal (`admin.not_found`).' })
  async unlink(@Param('id', UUID) id: string, @Param('identityId', UUID) identityId: string): Promise<void> {
    await this.links.unlink(id, identityId, ADMIN_ACTOR);
    await this.audit.record({ type: 'admin.identity_unlinked', outcome: 'success', principalId: id, details: { identityId } });
  }
}
