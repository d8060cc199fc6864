import { MigrationInterface, QueryRunner } from 'typeorm';

/** M1·5: the job runtime — runs (the source of truth), per-tenant dispatch state, holds. */
export class JobRuntime1764000004000 implements MigrationInterface {
  name = 'JobRuntime1764000004000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "job_runs" (
        "id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        "tenant_id" uuid NOT NULL
          CONSTRAINT "job_runs_tenant_id_fkey" REFERENCES "tenants" ("tenant_id") ON DELETE CASCADE,
        "type" text NOT NULL,
        "payload" jsonb NOT NULL,
        "status" text NOT NULL CONSTRAINT "job_runs_status_check"
          CHECK ("status" IN ('queued', 'dispatched', 'running', 'succeeded', 'failed', 'cancelled')),
        "idempotency_key" text,
        "attempts" integer NOT NULL DEFAULT 0,
        "max_attempts" integer NOT NULL,
        "available_at" timestamptz(3) NOT NULL DEFAULT now(),
        "dispatch_id" uuid,
        "lease_expires_at" timestamptz(3),
        "enqueued_by" text NOT NULL,
        "enqueued_at" timestamptz(3) NOT NULL DEFAULT now(),
        "started_at" timestamptz(3),
        "finished_at" timestamptz(3),
        "error_code" text,
        "error_message" text,
        "progress" jsonb
      )`);
    await queryRunner.query(
      `CREATE INDEX "job_runs_queued_idx" ON "job_runs" ("tenant_id", "id") WHERE "status" = 'queued'`,
    );
    await queryRunner.query(
      `CREATE INDEX "job_runs_in_flight_idx" ON "job_runs" ("tenant_id", "type") WHERE "status" IN ('dispatched', 'running')`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "job_runs_idempotency_key_idx" ON "job_runs" ("tenant_id", "idempotency_key") WHERE "idempotency_key" IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX "job_runs_tenant_history_idx" ON "job_runs" ("tenant_id", "enqueued_at")`);
    await queryRunner.query(`CREATE INDEX "job_runs_history_idx" ON "job_runs" ("enqueued_at")`);
    await queryRunner.query(`
      CREATE TABLE "tenant_job_queues" (
        "tenant_id" uuid PRIMARY KEY
          CONSTRAINT "tenant_job_queues_tenant_id_fkey" REFERENCES "tenants" ("tenant_id") ON DELETE CASCADE,
        "queued" integer NOT NULL DEFAULT 0 CONSTRAINT "tenant_job_queues_queued_check" CHECK ("queued" >= 0),
        "virtual_time" double precision NOT NULL DEFAULT 0,
        "throttled_until" timestamptz(3),
        "throttle_reason" text
      )`);
    await queryRunner.query(
      `CREATE INDEX "tenant_job_queues_backlog_idx" ON "tenant_job_queues" ("virtual_time") WHERE "queued" > 0`,
    );
    await queryRunner.query(`
      CREATE TABLE "job_holds" (
        "scope" text PRIMARY KEY,
        "until" timestamptz(3) NOT NULL,
        "reason" text NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "job_holds"`);
    await queryRunner.query(`DROP TABLE "tenant_job_queues"`);
    await queryRunner.query(`DROP TABLE "job_runs"`);
  }
}
