import { MigrationInterface, QueryRunner } from 'typeorm';

/** M1·5: per-tenant recurring jobs, the source of truth BullMQ job schedulers are kept in step with. */
export class JobSchedules1764000005000 implements MigrationInterface {
  name = 'JobSchedules1764000005000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "job_schedules" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "tenant_id" uuid NOT NULL
          CONSTRAINT "job_schedules_tenant_id_fkey" REFERENCES "tenants" ("tenant_id") ON DELETE CASCADE,
        "type" text NOT NULL,
        "payload" jsonb NOT NULL,
        "cron" text,
        "every_ms" integer,
        "timezone" text NOT NULL DEFAULT 'UTC',
        "enabled" boolean NOT NULL DEFAULT true,
        "origin" text NOT NULL CONSTRAINT "job_schedules_origin_check" CHECK ("origin" IN ('default', 'operator')),
        "created_by" text NOT NULL,
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        "updated_at" timestamptz(3) NOT NULL DEFAULT now(),
        "last_fired_at" timestamptz(3),
        "last_run_id" bigint,
        CONSTRAINT "job_schedules_timing_check" CHECK (("cron" IS NULL) <> ("every_ms" IS NULL))
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "job_schedules_default_idx" ON "job_schedules" ("tenant_id", "type") WHERE "origin" = 'default'`,
    );
    await queryRunner.query(`CREATE INDEX "job_schedules_tenant_idx" ON "job_schedules" ("tenant_id", "created_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "job_schedules"`);
  }
}
