import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../access.decorator';
import { ApplicationHealthDto } from './application-health.dto';
import { ApplicationHealth } from './application-health.service';

@ApiTags('health')
@Controller('api/v1/health')
export class ApplicationHealthController {
  constructor(private readonly application: ApplicationHealth) {}

  @Get()
  @Access('viewer')
  @ApiOperation({
    summary: 'The application as a whole: database, queue backend, the app credential, workers seen.',
    description:
      'Always 200 with what is known; `status` says whether anything needs an operator. `/health/ready` is ' +
      'the unauthenticated probe for orchestrators.',
  })
  @ApiOkResponse({ type: ApplicationHealthDto })
  health(): Promise<ApplicationHealthDto> {
    return this.application.check();
  }
}
