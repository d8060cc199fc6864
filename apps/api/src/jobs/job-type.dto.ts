import { ApiProperty } from '@nestjs/swagger';
import { z } from 'zod';
import type { ResolvedJobTypeOptions } from '@tenantry/jobs';

export class JobTypeBackoffDto {
  @ApiProperty({ description: 'The first delay; each attempt doubles it (with jitter).', example: 1000 })
  delayMs!: number;

  @ApiProperty({ type: Number, nullable: true, description: 'The cap on one delay.', example: 600000 })
  maxDelayMs!: number | null;
}

export class JobTypeDto {
  @ApiProperty({ example: 'tenant.token-check' })
  name!: string;

  @ApiProperty({ description: 'Executions before a run lands in `failed`.', example: 3 })
  attempts!: number;

  @ApiProperty({ type: JobTypeBackoffDto })
  backoff!: JobTypeBackoffDto;

  @ApiProperty({ description: 'An attempt running longer fails with `job_timeout`.', example: 900000 })
  timeoutMs!: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Runs of this type in flight per tenant at most; null: only the tenant’s own limit.',
    example: 1,
  })
  concurrencyPerTenant!: number | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'JSON Schema (draft 2020-12) of the payload a client sends.',
    example: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { forceRefresh: { default: false, type: 'boolean' } },
    },
  })
  payloadSchema!: Record<string, unknown>;

  static of(options: ResolvedJobTypeOptions): JobTypeDto {
    return {
      name: options.name,
      attempts: options.attempts,
      backoff: { delayMs: options.backoff.delayMs, maxDelayMs: options.backoff.maxDelayMs ?? null },
      timeoutMs: options.timeoutMs,
      concurrencyPerTenant: options.concurrencyPerTenant ?? null,
      // What a client may send (defaults make fields optional); a part JSON Schema cannot say
      // (a transform, a refinement) is left open rather than failing the whole list.
      payloadSchema: z.toJSONSchema(options.payload, { io: 'input', unrepresentable: 'any' }) as Record<
        string,
        unknown
      >,
    };
  }
}
