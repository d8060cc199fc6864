import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { KeysetCursor, type KeysetPage } from '@tenantry/database';
import { AuditEvent, AuditOutcome } from './audit-event.entity';

export interface AuditRecord {
  readonly actor: string;
  readonly action: string;
  readonly outcome: AuditOutcome;
  readonly targetType?: string;
  readonly targetId?: string;
  readonly tenantId?: string;
  readonly requestId?: string;
  readonly details?: Record<string, unknown>;
}

export interface AuditQuery {
  readonly tenantId?: string;
  readonly actor?: string;
  readonly action?: readonly string[];
  readonly outcome?: AuditOutcome;
  /** At or after this instant. */
  readonly from?: Date;
  /** Before this instant. */
  readonly to?: Date;
  readonly limit: number;
  readonly cursor?: string;
}

@Injectable()
export class AuditLog {
  constructor(
    @InjectRepository(AuditEvent)
    private readonly events: Repository<AuditEvent>,
  ) {}

  async record(record: AuditRecord): Promise<void> {
    await this.events.save(
      this.events.create({
        actor: record.actor,
        action: record.action,
        outcome: record.outcome,
        targetType: record.targetType ?? null,
        targetId: record.targetId ?? null,
        tenantId: record.tenantId ?? null,
        requestId: record.requestId ?? null,
        details: record.details ?? null,
      }),
    );
  }

  /** Newest first, keyset-paginated on (occurred_at, id). */
  async list(query: AuditQuery): Promise<KeysetPage<AuditEvent>> {
    const builder = this.events
      .createQueryBuilder('event')
      .orderBy('event.occurredAt', 'DESC')
      .addOrderBy('event.id', 'DESC')
      .take(query.limit + 1);
    if (query.tenantId) builder.andWhere('event.tenantId = :tenantId', { tenantId: query.tenantId.toLowerCase() });
    if (query.actor) builder.andWhere('event.actor = :actor', { actor: query.actor });
    if (query.action?.length) builder.andWhere('event.action IN (:...actions)', { actions: query.action });
    if (query.outcome) builder.andWhere('event.outcome = :outcome', { outcome: query.outcome });
    if (query.from) builder.andWhere('event.occurredAt >= :from', { from: query.from });
    if (query.to) builder.andWhere('event.occurredAt < :to', { to: query.to });
    if (query.cursor) {
      const [occurredAt, id] = KeysetCursor.decode(query.cursor, ['timestamp', 'bigint'] as const);
      builder.andWhere('(event.occurredAt, event.id) < (:occurredAt, :id)', { occurredAt, id });
    }
    return KeysetCursor.page(await builder.getMany(), query.limit, (event) => [
      event.occurredAt.toISOString(),
      event.id,
    ]);
  }
}
