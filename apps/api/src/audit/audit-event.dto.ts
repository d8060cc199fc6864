import { ApiProperty } from '@nestjs/swagger';
import type { AuditEvent } from '@tenantry/audit';
import type { KeysetPage } from '@tenantry/database';

export class AuditEventDto {
  @ApiProperty({ description: 'A 64-bit integer, as a decimal string.', example: '1042' })
  id!: string;

  @ApiProperty({ format: 'date-time' })
  occurredAt!: string;

  @ApiProperty({ example: 'api-key:1b4e28ba-2fa1-11d2-883f-0016d3cca427' })
  actor!: string;

  @ApiProperty({ example: 'tenant.pause' })
  action!: string;

  @ApiProperty({ enum: ['success', 'failure'] })
  outcome!: 'success' | 'failure';

  @ApiProperty({ type: String, nullable: true, example: 'tenant' })
  targetType!: string | null;

  @ApiProperty({ type: String, nullable: true })
  targetId!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  tenantId!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The correlation id of the request that did it.' })
  requestId!: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: { code: 'illegal_tenant_transition' },
  })
  details!: Record<string, unknown> | null;

  static of(event: AuditEvent): AuditEventDto {
    return { ...event, occurredAt: event.occurredAt.toISOString() };
  }
}

export class AuditEventPageDto {
  @ApiProperty({ type: [AuditEventDto] })
  items!: AuditEventDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  nextCursor!: string | null;

  static of(page: KeysetPage<AuditEvent>): AuditEventPageDto {
    return { items: page.items.map((event) => AuditEventDto.of(event)), nextCursor: page.nextCursor };
  }
}
