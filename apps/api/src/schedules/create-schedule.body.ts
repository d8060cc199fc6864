import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsObject, IsString, Length } from 'class-validator';
import { OptionalNotNull } from './optional-not-null.decorator';

export class CreateScheduleBody {
  @ApiProperty({
    description: 'A job type (see GET /api/v1/job-types).',
    minLength: 1,
    maxLength: 200,
    example: 'tenant.token-check',
  })
  // With stopAtFirstError, validators run from the one nearest the property up: type first.
  @Length(1, 200)
  @IsString()
  type!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'What each run gets, validated against the type’s payload schema; `{}` when omitted. Stored in clear and ' +
      'shown to operators: never a secret or a token.',
    example: { forceRefresh: true },
  })
  @OptionalNotNull()
  @IsObject()
  payload?: Record<string, unknown>;

  @ApiPropertyOptional({
    description:
      'Five fields (minute hour day-of-month month day-of-week), read in `timezone`. Give exactly one of ' +
      '`cron` and `everyMs`.',
    minLength: 1,
    maxLength: 200,
    example: '0 2 * * *',
  })
  @OptionalNotNull()
  @Length(1, 200)
  @IsString()
  cron?: string;

  @ApiPropertyOptional({
    description: 'The IANA time zone `cron` is read in; `UTC` when omitted. Not with `everyMs`.',
    minLength: 1,
    maxLength: 100,
    example: 'Europe/Paris',
  })
  @OptionalNotNull()
  @Length(1, 100)
  @IsString()
  timezone?: string;

  @ApiPropertyOptional({
    description:
      'Or: run every this many milliseconds, from 60000 (a minute) to 2073600000 (24 days); use cron for longer.',
    type: 'integer',
    minimum: 60000,
    maximum: 2073600000,
    example: 3600000,
  })
  @OptionalNotNull()
  @IsInt()
  everyMs?: number;

  @ApiPropertyOptional({ description: 'A disabled schedule is kept but never fires.', default: true })
  @OptionalNotNull()
  @IsBoolean()
  enabled?: boolean;
}
