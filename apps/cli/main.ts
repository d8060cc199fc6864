import 'reflect-metadata';
import { DynamicModule, INestApplicationContext, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DataSource } from 'typeorm';
import { AuditLog } from '@tenantry/audit';
import { type AppConfig, type IdentityPlatform, identityPlatformOf } from '@tenantry/config';
import { migrate } from '@tenantry/database';
import { findRunningPlatform, findRunningSimulator } from '@tenantry/entra-sim';
import { JOB_RUN_STATUSES, JobHistoryModule, JobRunQueries, Jobs, type JobRunStatus } from '@tenantry/jobs';
import { OnboardingLinks, OnboardingModule } from '@tenantry/onboarding';
import { ApiKeyService, OPERATOR_ROLES, type OperatorRole } from '@tenantry/operator-auth';
import { loadConfigOrExit, RuntimeModule } from '@tenantry/runtime';
import { isTenantId, TENANT_STATUSES, TenantRegistry, type TenantStatus } from '@tenantry/tenants';
import { WorkloadModule } from '@tenantry/workload';
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

/** A tenant id, as an option's or an argument's value: commander names the one that is not. */
function parseTenantId(value: string): string {
  if (!isTenantId(value)) {
    throw new InvalidArgumentError('expected the tenant id (a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47)');
  }
  return value.toLowerCase();
}

function jsonObjectArgument(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`--payload must be a JSON object, e.g. '{"forceRefresh":true}'`);
  }
  return parsed as Record<string, unknown>;
}

function jobStatusesArgument(value: string): JobRunStatus[] {
  return value.split(',').map((status) => {
    if (!(JOB_RUN_STATUSES as readonly string[]).includes(status)) {
      throw new Error(`unknown job status "${status}"; use ${JOB_RUN_STATUSES.join(', ')} (comma-separated)`);
    }
    return status as JobRunStatus;
  });
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
    .option('--tenant-hint <tenantId>', "the customer's directory (tenant) id, if known (a GUID)", parseTenantId)
    .option('--return-url <url>', 'where to send the admin afterwards (an allowed origin)')
    .action(async ({ tenantHint, returnUrl }: { tenantHint?: string; returnUrl?: string }) => {
      // The link points at the identity platform: Entra ID, or the simulator `npm start` runs —
      // and then back at that platform, on whatever port it was started.
      const running = config.azure.mode === 'entra' ? undefined : await findRunningPlatform(config);
      const identity = config.azure.mode === 'entra' ? identityPlatformOf(config) : running?.identity;
      if (!identity) {
        throw new Error(
          'simulator mode: the link must point at the running simulator; start `npm start` first (or set AZURE_CLIENT_ID)',
        );
      }
      const linkConfig = running
        ? { ...config, http: { ...config.http, publicBaseUrl: running.publicBaseUrl } }
        : config;
      await withApp(
        linkConfig,
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

  const jobs = cli.command('jobs').description("Tenants' background jobs");
  jobs
    .command('enqueue')
    .description('Queue a job for a tenant; prints the run id as the last line')
    .argument('<tenantId>', "the tenant's directory (tenant) id", parseTenantId)
    .argument('<type>', 'the job type, e.g. tenant.token-check')
    .option('--payload <json>', 'the payload, a JSON object (default {})')
    .option('--idempotency-key <key>', 'enqueue once per tenant and key: a repeat returns the first run')
    .action(async (tenantId: string, type: string, options: { payload?: string; idempotencyKey?: string }) => {
      // Bad input is refused before anything boots.
      const payload = options.payload === undefined ? undefined : jsonObjectArgument(options.payload);
      const idempotencyKey = options.idempotencyKey;
      if (idempotencyKey !== undefined && !/^[A-Za-z0-9._:-]{1,200}$/.test(idempotencyKey)) {
        throw new Error('--idempotency-key must be 1 to 200 letters, digits or . _ : -');
      }
      // Job types are providers of the workload, which stands on the identity platform.
      const identity = config.azure.mode === 'entra' ? identityPlatformOf(config) : await findRunningSimulator(config);
      if (!identity) {
        throw new Error(
          'simulator mode: enqueueing needs the simulator `npm start` runs; start it first (or set AZURE_CLIENT_ID)',
        );
      }
      await withApp(
        config,
        async (app) => {
          const run = await app
            .get(Jobs)
            .enqueue(tenantId, { type, payload, idempotencyKey }, { enqueuedBy: CLI_ACTOR });
          await app.get(AuditLog).record({
            actor: CLI_ACTOR,
            action: 'job_run.enqueue',
            outcome: 'success',
            targetType: 'tenant',
            targetId: tenantId,
            tenantId,
            details: { runId: run.id, created: run.created },
          });
          process.stdout.write(
            run.created
              ? `Queued ${run.type} for tenant ${tenantId}; the run id:\n${run.id}\n`
              : `Idempotency key "${idempotencyKey}" names an earlier ${run.type} run of tenant ${tenantId}; nothing queued. Its id:\n${run.id}\n`,
          );
        },
        { identity, modules: [WorkloadModule] },
      );
    });
  jobs
    .command('list')
    .description('List job runs, newest first')
    .option('--tenant <tenantId>', "only this tenant's runs", parseTenantId)
    .option('--status <statuses>', `only these statuses, comma-separated (${JOB_RUN_STATUSES.join(', ')})`)
    .option('--type <type>', 'only runs of this job type')
    .option('--limit <n>', 'how many', positiveInteger, 50)
    .action(async (options: { tenant?: string; status?: string; type?: string; limit: number }) => {
      const status = options.status === undefined ? undefined : jobStatusesArgument(options.status);
      // The history alone: no job runtime, so no identity platform needed.
      await withApp(
        config,
        async (app) => {
          const page = await app
            .get(JobRunQueries)
            .list({ tenantId: options.tenant, status, type: options.type, limit: options.limit });
          if (page.items.length === 0) process.stdout.write('No job runs.\n');
          for (const run of page.items) {
            process.stdout.write(
              `${run.id}  ${run.status.padEnd(10)}  ${run.tenantId}  ${run.type}  ${run.enqueuedAt.toISOString()}  ${run.errorCode ?? ''}\n`,
            );
          }
        },
        { modules: [JobHistoryModule] },
      );
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
