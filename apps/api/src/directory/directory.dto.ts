import { ApiProperty } from '@nestjs/swagger';
import type { DirectorySummary, DirectoryUser, DirectoryUserPage } from '@tenantry/directory-sync';

export class DirectorySyncErrorDto {
  @ApiProperty({ example: 'graph_forbidden' })
  code!: string;

  @ApiProperty({ type: String, nullable: true })
  message!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  at!: string | null;
}

export class DirectorySyncRoundDto {
  @ApiProperty({ enum: ['full', 'incremental'] })
  kind!: 'full' | 'incremental';

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  startedAt!: string | null;

  @ApiProperty({ description: 'Pages written so far.', example: 12 })
  pages!: number;

  @ApiProperty({ description: 'Users seen so far.', example: 2400 })
  users!: number;
}

export class DirectorySummaryDto {
  @ApiProperty({ description: 'Users in the directory (not deleted).', example: 36 })
  users!: number;

  @ApiProperty({ example: 33 })
  enabled!: number;

  @ApiProperty({ example: 3 })
  disabled!: number;

  @ApiProperty({ description: 'Users a sync saw removed (kept as tombstones).', example: 1 })
  deleted!: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'The last sync that finished.' })
  lastSuccessAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastFullSyncAt!: string | null;

  @ApiProperty({
    type: DirectorySyncErrorDto,
    nullable: true,
    description: 'Why the last failed sync failed; cleared by the next success.',
  })
  lastError!: DirectorySyncErrorDto | null;

  @ApiProperty({
    type: DirectorySyncRoundDto,
    nullable: true,
    description: 'A sync round that started and has not finished (running, or waiting to resume).',
  })
  roundInProgress!: DirectorySyncRoundDto | null;

  static of(summary: DirectorySummary): DirectorySummaryDto {
    return {
      ...summary,
      lastSuccessAt: summary.lastSuccessAt?.toISOString() ?? null,
      lastFullSyncAt: summary.lastFullSyncAt?.toISOString() ?? null,
      lastError: summary.lastError && { ...summary.lastError, at: summary.lastError.at?.toISOString() ?? null },
      roundInProgress: summary.roundInProgress && {
        ...summary.roundInProgress,
        startedAt: summary.roundInProgress.startedAt?.toISOString() ?? null,
      },
    };
  }
}

export class DirectoryUserDto {
  @ApiProperty({ format: 'uuid', description: 'The user’s Entra object id.' })
  id!: string;

  @ApiProperty({ example: 'adelev@contoso.onmicrosoft.com' })
  userPrincipalName!: string;

  @ApiProperty({ type: String, nullable: true, example: 'Adele Vance' })
  displayName!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'adelev@contoso.onmicrosoft.com' })
  mail!: string | null;

  @ApiProperty({ type: Boolean, nullable: true })
  accountEnabled!: boolean | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When a sync saw the user removed.' })
  deletedAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  firstSeenAt!: string;

  @ApiProperty({ format: 'date-time', description: 'The last sync round that returned the user.' })
  lastSeenAt!: string;

  @ApiProperty({ format: 'date-time', description: 'The last time a sync changed the user.' })
  updatedAt!: string;

  static of(user: DirectoryUser): DirectoryUserDto {
    return {
      id: user.objectId,
      userPrincipalName: user.userPrincipalName,
      displayName: user.displayName,
      mail: user.mail,
      accountEnabled: user.accountEnabled,
      deletedAt: user.deletedAt?.toISOString() ?? null,
      firstSeenAt: user.firstSeenAt.toISOString(),
      lastSeenAt: user.lastSeenAt.toISOString(),
      updatedAt: user.updatedAt.toISOString(),
    };
  }
}

export class DirectoryUserPageDto {
  @ApiProperty({ type: [DirectoryUserDto] })
  items!: DirectoryUserDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  nextCursor!: string | null;

  static of(page: DirectoryUserPage): DirectoryUserPageDto {
    return { items: page.items.map((user) => DirectoryUserDto.of(user)), nextCursor: page.nextCursor };
  }
}
