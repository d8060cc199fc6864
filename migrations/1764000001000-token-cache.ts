import { MigrationInterface, QueryRunner } from 'typeorm';

/** M1·3: the shared second-level token cache (sealed tokens) and its single-flight locks. */
export class TokenCache1764000001000 implements MigrationInterface {
  name = 'TokenCache1764000001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "token_cache" (
        "cache_key" text PRIMARY KEY,
        "ciphertext" bytea NOT NULL,
        "expires_at" timestamptz(3) NOT NULL,
        "refresh_at" timestamptz(3) NOT NULL,
        "updated_at" timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE "token_locks" (
        "cache_key" text PRIMARY KEY,
        "holder" text NOT NULL,
        "expires_at" timestamptz(3) NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "token_locks"`);
    await queryRunner.query(`DROP TABLE "token_cache"`);
  }
}
