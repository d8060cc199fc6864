import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JobRuntimeStatus } from '@tenantry/jobs';
import { QueueBackend } from '@tenantry/queue';
import { Access } from '../access.decorator';
import { LimitsDto, QueuesDto } from './queues.dto';

@ApiTags('queues')
@Controller('api/v1')
export class QueuesController {
  constructor(
    private readonly queues: QueueBackend,
    private readonly runtime: JobRuntimeStatus,
  ) {}

  @Get('queues')
  @Access('viewer')
  @ApiOperation({
    summary: 'Every queue’s counts, throughput and workers; runs in flight; who is throttled until when.',
  })
  @ApiOkResponse({ type: QueuesDto })
  async status(): Promise<QueuesDto> {
    const [queues, state] = await Promise.all([this.queues.status(), this.runtime.state()]);
    return QueuesDto.of(this.queues.kind, queues, state);
  }

  @Get('limits')
  @Access('viewer')
  @ApiOperation({ summary: 'The job runtime’s limits in force: global, per tenant (default and overrides), tiers.' })
  @ApiOkResponse({ type: LimitsDto })
  async limits(): Promise<LimitsDto> {
    return LimitsDto.of(await this.runtime.limits());
  }
}
