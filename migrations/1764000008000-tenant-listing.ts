import { MigrationInterface, QueryRunner } from 'typeorm';

/** M1·7: operators list tenants by name as well as by age, at 10,000 tenants without a sort. */
export class TenantListing1764000008000 implements MigrationInterface {
  name = 'TenantListing1764000008000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "tenants_display_name_idx" ON "tenants" ((coalesce("display_name", '')), "tenant_id")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "tenants_display_name_idx"`);
  }
}
