import 'reflect-metadata';
import { DynamicModule, INestApplicationContext, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DataSource } from 'typeorm';
import { AuditLog } from '@tenantry/audit';
import { type AppConfig, type IdentityPlatform, identityPlatformOf } from '@tenantry/config';
import { migrate } from '@tenantry/database';
import { findRunningSimulator } from '@tenantry/entra-sim';
import { OnboardingLinks, OnboardingModule } from '@tenantry/onboarding';
import { ApiKeyService, OPERATOR_ROLES, type OperatorRole } from '@tenantry/operator-auth';
import { loadConfigOrExit, RuntimeModule } from '@tenantry/runtime';
import { TENANT_STATUSES, TenantRegistry, type TenantStatus } from '@tenantry/tenants';
import { CliModule } from './src/cli.module';

const CLI_ACTOR = 'cli';

/** Boots just enough of the platform for one command, runs it, and closes everything. */
async function withApp<T>(
  config: AppConfig,
  run: (app: INestApplicationContext) => Promise<T>,
  extra: { identity?: IdentityPlatform; modules?: (Type | DynamicModule)[] } = {},
): Promise<T> {
  @Module({ imports: [RuntimeModule.forRoot(config, extra.identity), CliModule, ...(extra.modules ?? [])] })
  class CliRootModule {}

  const app = await NestFactory.createApplicationContext(CliRootModule, { logger: ['error'] });
  try {
    return await run(app);
  } finally {
    await app.close();
  }
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) throw new InvalidArgumentError('expected a positive whole number');
  return parsed;
}

function program(config: AppConfig): Command {
  const cli = new Command('tenantry').description('Operate Tenantry from a shell.').showHelpAfterError();

  const apiKeys = cli.command('api-keys').description('Operator API keys');
  apiKeys
    .command('create')
    .description('Create an API key; prints the key, once, as the last line')
    .requiredOption('--name <name>', 'what the key is for')
    .addOption(new Option('--role <role>', 'viewer, operator or admin').choices(OPERATOR_ROLES).makeOptionMandatory())
    .action(async ({ name, role }: { name: string; role: OperatorRole }) => {
      await withApp(config, async (app) => {
        const { apiKey, key } = await app.get(ApiKeyService).create(name, role, CLI_ACTOR);
        await app.get(AuditLog).record({
          actor: CLI_ACTOR,
          action: 'api_key.create',
          outcome: 'success',
          targetType: 'api_key',
          targetId: apiKey.id,
        });
        process.stdout.write(
          `Created ${role} API key "${name}" (${apiKey.prefix}…, id ${apiKey.id}). It is shown only now:\n${key}\n`,
        );
      });
    });
  apiKeys
    .command('list')
    .description('List API keys')
    .action(async () => {
      await withApp(config, async (app) => {
        for (const key of await app.get(ApiKeyService).list()) {
          const state = key.revokedAt ? 'revoked' : 'active';
          process.stdout.write(`${key.id}  ${key.prefix}…  ${key.role.padEnd(8)}  ${state.padEnd(7)}  ${key.name}\n`);
        }
      });
    });

  cli
    .command('migrate')
    .description('Apply pending database migrations (or revert the last one)')
    .option('--revert', 'revert the most recent migration')
    .action(async ({ revert }: { revert?: boolean }) => {
      const manual = { ...config, database: { ...config.database, migrateOnStart: false } };
      await withApp(manual, async (app) => {
        const touched = await migrate(app.get(DataSource), revert ? 'down' : 'up');
        const verb = revert ? 'Reverted' : 'Applied';
        process.stdout.write(touched.length ? `${verb}: ${touched.join(', ')}\n` : 'Nothing to do.\n');
      });
    });

  cli
    .command('onboarding-link')
    .description("Create an admin-consent link for a customer's admin; prints the URL as the last line")
    .option('--tenant-hint <tenantId>', "the customer's directory (tenant) id, if known")
    .option('--return-url <url>', 'where to send the admin afterwards (an allowed origin)')
    .action(async ({ tenantHint, returnUrl }: { tenantHint?: string; returnUrl?: string }) => {
      // The link points at the identity platform: Entra ID, or the simulator `npm start` runs.
      const identity = config.azure.mode === 'entra' ? identityPlatformOf(config) : await findRunningSimulator(config);
      if (!identity) {
        throw new Error(
          'simulator mode: the link must point at the running simulator; start `npm start` first (or set AZURE_CLIENT_ID)',
        );
      }
      await withApp(
        config,
        async (app) => {
          const { link, url } = await app.get(OnboardingLinks).create({ tenantHint, returnUrl }, CLI_ACTOR);
          await app.get(AuditLog).record({
            actor: CLI_ACTOR,
            action: 'onboarding_link.create',
            outcome: 'success',
            targetType: 'onboarding_link',
            targetId: link.id,
          });
          process.stdout.write(
            `Onboarding link ${link.id}, usable once until ${link.expiresAt.toISOString()}:\n${url}\n`,
          );
        },
        { identity, modules: [OnboardingModule] },
      );
    });

  const tenants = cli.command('tenants').description('The tenant registry');
  tenants
    .command('list')
    .description('List tenants, newest first')
    .addOption(new Option('--status <status>', 'only this status').choices(TENANT_STATUSES))
    .option('--search <text>', 'match name, domain or tenant id')
    .option('--limit <n>', 'how many', positiveInteger, 50)
    .action(async ({ status, search, limit }: { status?: TenantStatus; search?: string; limit: number }) => {
      await withApp(config, async (app) => {
        const page = await app.get(TenantRegistry).list({ limit, search, status: status ? [status] : undefined });
        if (page.items.length === 0) process.stdout.write('No tenants.\n');
        for (const tenant of page.items) {
          process.stdout.write(
            `${tenant.tenantId}  ${tenant.status.padEnd(15)}  ${tenant.primaryDomain ?? '-'}  ${tenant.displayName ?? ''}\n`,
          );
        }
      });
    });

  return cli;
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  await program(config).parseAsync(process.argv);
}

main().catch((error: unknown) => {
  process.stderr.write(`tenantry: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
