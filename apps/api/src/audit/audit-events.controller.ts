import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditLog } from '@tenantry/audit';
import { Access } from '../access.decorator';
import { AuditEventPageDto } from './audit-event.dto';
import { ListAuditEventsQuery } from './list-audit-events.query';

@ApiTags('audit')
@ApiBadRequestResponse({ description: 'Invalid parameters (problem+json).' })
@Controller('api/v1/audit-events')
export class AuditEventsController {
  constructor(private readonly audit: AuditLog) {}

  @Get()
  @Access('viewer')
  @ApiOperation({ summary: 'Who did what to which tenant, newest first (keyset-paginated, filterable).' })
  @ApiOkResponse({ type: AuditEventPageDto })
  async list(@Query() query: ListAuditEventsQuery): Promise<AuditEventPageDto> {
    return AuditEventPageDto.of(await this.audit.list(query.toQuery()));
  }
}
