import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type AuditOutcome = 'success' | 'failure';

/** Who did what, to which tenant, when. Never deleted with a tenant: audit outlives it. */
@Entity('audit_events')
@Check('audit_events_outcome_check', `"outcome" IN ('success', 'failure')`)
@Index('audit_events_occurred_at_id_idx', ['occurredAt', 'id'])
@Index('audit_events_tenant_id_occurred_at_idx', ['tenantId', 'occurredAt'])
export class AuditEvent {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  occurredAt!: Date;

  /** `api-key:<id>`, `cli` or `system:<component>`. */
  @Column('text')
  actor!: string;

  /** A stable verb, e.g. `api_key.create`, `tenant.pause`. */
  @Column('text')
  action!: string;

  @Column('text')
  outcome!: AuditOutcome;

  @Column('text', { nullable: true })
  targetType!: string | null;

  @Column('text', { nullable: true })
  targetId!: string | null;

  @Column('uuid', { nullable: true })
  tenantId!: string | null;

  /** The correlation id of the request or job that did it. */
  @Column('text', { nullable: true })
  requestId!: string | null;

  /** Redacted context: never secrets, tokens or keys. */
  @Column('jsonb', { nullable: true })
  details!: Record<string, unknown> | null;
}
