import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
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

  recent(limit: number): Promise<AuditEvent[]> {
    return this.events.find({
      order: { occurredAt: 'DESC', id: 'DESC' },
      take: limit,
    });
  }
}
