import { Controller, Get, Inject, Param, ParseUUIDPipe, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { BrokerError } from '../common';
import { LoginTraces } from '../login/login.module';
import { AdminErrorDto } from './admin.dto';
import { LoginTraceDto } from './admin-links.dto';
import { AdminJsonErrorFilter } from './admin-json-error.filter';
import { AdminTokenGuard } from './admin-token.guard';

/** Login traces in the admin API (issue 10 item 7): "why did attribute X not map?". */
@ApiTags('traces')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: AdminErrorDto, description: 'Missing or wrong `Authorization: Bearer <TESSERA_ADMIN_TOKEN>` (`admin.unauthorized`).' })
@ApiBadRequestResponse({ type: AdminErrorDto, description: 'The id is not a UUID (`request.invalid`).' })
@Controller('admin/v1/traces')
@UseGuards(AdminTokenGuard)
@UseFilters(AdminJsonErrorFilter)
export class AdminTracesController {
  constructor(@Inject(LoginTraces) private readonly traces: LoginTraces) {}

  /** `GET /admin/v1/traces/{id}`: the redacted trace of one login. @throws `admin.not_found`. */
  @Get(':id')
  @ApiOperation({ summary: "A login's redacted trace (attribute names and counts, mapping steps, condition, linking decision)", operationId: 'getTrace' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: LoginTraceDto })
  @ApiNotFoundResponse({ type: AdminErrorDto, description: 'No such trace (`admin.not_found`).' })
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<LoginTraceDto> {
    const t = await this.traces.find(id);
    if (!t) throw new BrokerError('admin.not_found', 'no such trace');
    return t as unknown as LoginTraceDto;
  }
}
