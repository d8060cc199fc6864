import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JobTypeRegistry } from '@tenantry/jobs';
import { Access } from '../access.decorator';
import { JobTypeDto } from './job-type.dto';

@ApiTags('jobs')
@Controller('api/v1/job-types')
export class JobTypesController {
  constructor(private readonly types: JobTypeRegistry) {}

  @Get()
  @Access('viewer')
  @ApiOperation({ summary: 'The job types of this deployment: their options and payload schemas, by name.' })
  @ApiOkResponse({ type: [JobTypeDto] })
  list(): JobTypeDto[] {
    return this.types.names().map((name) => JobTypeDto.of(this.types.get(name).options));
  }
}
