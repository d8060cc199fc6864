import { ApiProperty } from '@nestjs/swagger';

export class DependencyHealthDto {
  @ApiProperty({ enum: ['up', 'down'] })
  status!: 'up' | 'down';

  @ApiProperty({ description: 'How long the check took.', example: 1.8 })
  latencyMs!: number;

  @ApiProperty({ type: String, nullable: true, description: 'Why it is down.', example: null })
  error!: string | null;
}

export class QueueBackendHealthDto extends DependencyHealthDto {
  @ApiProperty({ enum: ['redis', 'postgres'] })
  kind!: 'redis' | 'postgres';
}

export class CredentialHealthDto {
  @ApiProperty({
    enum: ['unknown', 'ok', 'failing'],
    description: 'As this API process last saw it (unknown until it acquired a token).',
  })
  status!: 'unknown' | 'ok' | 'failing';

  @ApiProperty({ type: String, nullable: true, example: 'client_secret_expired' })
  code!: string | null;

  @ApiProperty({ type: Number, nullable: true, example: 7000222 })
  aadsts!: number | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  failingSince!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastSuccessAt!: string | null;

  @ApiProperty({ description: 'The secondary credential is in use: rotate the primary.' })
  usingSecondary!: boolean;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'A worker saw the credential rejected: every job is held until then (fleet-wide).',
  })
  jobsHeldUntil!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'client_secret_expired' })
  jobsHeldReason!: string | null;
}

export class QueueWorkersDto {
  @ApiProperty({ example: 'jobs' })
  queue!: string;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Worker connections serving the queue now; null on the embedded database, which cannot tell.',
    example: 2,
  })
  workers!: number | null;
}

export class ApplicationHealthDto {
  @ApiProperty({
    enum: ['ok', 'degraded'],
    description: 'Degraded when a dependency is down, the credential fails, or a queue has no worker.',
  })
  status!: 'ok' | 'degraded';

  @ApiProperty({ type: DependencyHealthDto })
  database!: DependencyHealthDto;

  @ApiProperty({ type: QueueBackendHealthDto })
  queueBackend!: QueueBackendHealthDto;

  @ApiProperty({ type: CredentialHealthDto })
  credential!: CredentialHealthDto;

  @ApiProperty({ type: [QueueWorkersDto], description: 'Workers seen per queue (empty when the backend is down).' })
  workers!: QueueWorkersDto[];

  @ApiProperty({ description: 'Seconds this API process has been up.', example: 86_400 })
  uptimeSeconds!: number;
}
