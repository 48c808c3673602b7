import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuditSink } from '../audit/audit.module';
import { RoleBindingStore } from '../authorization/authorization.module';
import { BrokerError } from '../common';
import { AdminJsonErrorFilter } from './admin-json-error.filter';
import { BindingDto, BindingListDto, CreateBindingDto } from './admin-roles.dto';
import { AdminTokenGuard } from './admin-token.guard';

/**
 * Bindings of the authorization module in the admin API (issue 11 item 4): principal → role and
 * canonical group → role. Each change bumps the authorization version of the principals it
 * reaches; the next evaluation on every instance sees it.
 */
@ApiTags('authorization')
@ApiBearerAuth()
@Controller('admin/v1/bindings')
@UseGuards(AdminTokenGuard)
@UseFilters(AdminJsonErrorFilter)
export class AdminBindingsController {
  constructor(
    @Inject(RoleBindingStore) private readonly store: RoleBindingStore,
    @Inject(AuditSink) private readonly audit: AuditSink,
  ) {}

  /** `GET /admin/v1/bindings[?role=&subject=]`. */
  @Get()
  @ApiOperation({ summary: 'Bindings, optionally of one role or one subject', operationId: 'listBindings' })
  @ApiQuery({ name: 'role', required: false })
  @ApiQuery({ name: 'subject', required: false })
  @ApiOkResponse({ type: BindingListDto })
  async list(@Query('role') role?: unknown, @Query('subject') subject?: unknown): Promise<BindingListDto> {
    if ((role !== undefined && typeof role !== 'string') || (subject !== undefined && typeof subject !== 'string')) throw new BrokerError('authz.request_invalid', 'role and subject are single strings');
    return { bindings: await this.store.listBindings({ role: role as string | undefined, subject: subject as string | undefined }) };
  }

  /** `POST /admin/v1/bindings`: 201 when created, 200 when it already existed. */
  @Post()
  @ApiOperation({ summary: 'Bind a principal or a canonical group to a role', operationId: 'createBinding' })
  @ApiCreatedResponse({ type: BindingDto })
  async create(@Body() body: CreateBindingDto, @Res({ passthrough: true }) res: Response): Promise<BindingDto> {
    if ((body.principal === undefined) === (body.group === undefined)) throw new BrokerError('authz.request_invalid', 'give exactly one of principal or group');
    const kind = body.principal !== undefined ? 'principal' : 'group';
    const { binding, created } = await this.store.bind(kind, (body.principal ?? body.group)!, body.role, 'admin');
    if (created) await this.audit.record({ type: 'authz.binding_created', outcome: 'success', details: { id: binding.id, kind, subject: binding.subject, role: binding.role } });
    res.status(created ? 201 : 200);
    return binding;
  }

  /** `DELETE /admin/v1/bindings/{id}`: 204. @throws `authz.not_found` (404). */
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a binding', operationId: 'deleteBinding' })
  @ApiNoContentResponse()
  async remove(@Param('id') id: string): Promise<void> {
    await this.store.unbind(id);
    await this.audit.record({ type: 'authz.binding_deleted', outcome: 'success', details: { id } });
  }
}
