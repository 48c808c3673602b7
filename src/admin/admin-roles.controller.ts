import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditSink } from '../audit/audit.module';
import { RoleBindingStore } from '../authorization/authorization.module';
import { AdminJsonErrorFilter } from './admin-json-error.filter';
import { CreateRoleDto, RoleDto, RoleListDto } from './admin-roles.dto';
import { AdminTokenGuard } from './admin-token.guard';

/**
 * Roles of the authorization module in the admin API (issue 11 item 4). Deleting a role removes
 * its bindings and bumps the authorization version of every principal that held it.
 */
@ApiTags('authorization')
@ApiBearerAuth()
@Controller('admin/v1/roles')
@UseGuards(AdminTokenGuard)
@UseFilters(AdminJsonErrorFilter)
export class AdminRolesController {
  constructor(
    @Inject(RoleBindingStore) private readonly store: RoleBindingStore,
    @Inject(AuditSink) private readonly audit: AuditSink,
  ) {}

  /** `GET /admin/v1/roles`. */
  @Get()
  @ApiOperation({ summary: 'Every role', operationId: 'listRoles' })
  @ApiOkResponse({ type: RoleListDto })
  async list(): Promise<RoleListDto> {
    return { roles: await this.store.listRoles() };
  }

  /** `POST /admin/v1/roles`. @throws `authz.request_invalid` (400), `authz.conflict` (409). */
  @Post()
  @ApiOperation({ summary: 'Create a role', operationId: 'createRole' })
  @ApiCreatedResponse({ type: RoleDto })
  async create(@Body() body: CreateRoleDto): Promise<RoleDto> {
    const role = await this.store.createRole(body.name, body.description, 'admin');
    await this.audit.record({ type: 'authz.role_created', outcome: 'success', details: { role: role.name } });
    return role;
  }

  /** `DELETE /admin/v1/roles/{name}`: 204. @throws `authz.not_found` (404). */
  @Delete(':name')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a role and its bindings', operationId: 'deleteRole' })
  @ApiNoContentResponse()
  async remove(@Param('name') name: string): Promise<void> {
    await this.store.deleteRole(name);
    await this.audit.record({ type: 'authz.role_deleted', outcome: 'success', details: { role: name } });
  }
}
