import { MiddlewareConsumer, Module, NestModule, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE, DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { makeHistogramProvider, PrometheusModule } from '@willsoto/nestjs-prometheus';
import { AuditModule } from '@tenantry/audit';
import { IdentityModule } from '@tenantry/identity';
import { OnboardingModule } from '@tenantry/onboarding';
import { OperatorAuthGuard, OperatorAuthModule } from '@tenantry/operator-auth';
import { TenantsModule } from '@tenantry/tenants';
import { WorkloadModule } from '@tenantry/workload';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { AuditCoverageCheck } from './audit/audit-coverage.check';
import { AuditInterceptor } from './audit/audit.interceptor';
import { HealthController } from './health/health.controller';
import { JobTypesController } from './jobs/job-types.controller';
import { JobsController } from './jobs/jobs.controller';
import { TenantJobsController } from './jobs/tenant-jobs.controller';
import { OnboardingCallbackController } from './onboarding/onboarding-callback.controller';
import { OnboardingLinksController } from './onboarding/onboarding-links.controller';
import { QueueBackendHealthIndicator } from './health/queue-backend.health';
import { HTTP_REQUEST_DURATION, HttpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { MetricsController } from './metrics/metrics.controller';
import { ProblemDetailsFilter } from './problems/problem-details.filter';
import { RequestValidationError } from './problems/request-validation.error';
import { TenantDirectoryController } from './directory/tenant-directory.controller';
import { QueuesController } from './queues/queues.controller';
import { AuditEventsController } from './audit/audit-events.controller';
import { ApplicationHealthController } from './health/application-health.controller';
import { ApplicationHealth } from './health/application-health.service';
import { TenantSchedulesController } from './schedules/tenant-schedules.controller';
import { TenantsController } from './tenants/tenants.controller';

/** The HTTP surface: operator API, health, metrics. Expects `RuntimeModule` beside it. */
@Module({
  imports: [
    DiscoveryModule,
    TerminusModule.forRoot({ logger: false }),
    PrometheusModule.register({ path: '/metrics', controller: MetricsController }),
    TenantsModule,
    IdentityModule,
    OnboardingModule,
    OperatorAuthModule,
    AuditModule,
    WorkloadModule,
  ],
  controllers: [
    TenantsController,
    TenantJobsController,
    TenantSchedulesController,
    TenantDirectoryController,
    JobsController,
    JobTypesController,
    QueuesController,
    AuditEventsController,
    ApiKeysController,
    OnboardingLinksController,
    OnboardingCallbackController,
    HealthController,
    ApplicationHealthController,
  ],
  providers: [
    ApplicationHealth,
    QueueBackendHealthIndicator,
    AuditCoverageCheck,
    makeHistogramProvider({
      name: HTTP_REQUEST_DURATION,
      help: 'HTTP request latency by route pattern',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
    { provide: APP_GUARD, useExisting: OperatorAuthGuard },
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
    {
      provide: APP_PIPE,
      useFactory: () =>
        new ValidationPipe({
          transform: true,
          whitelist: true,
          forbidNonWhitelisted: true,
          forbidUnknownValues: true,
          // One problem per field: `limit=abc` is not an integer, whatever its bounds.
          stopAtFirstError: true,
          exceptionFactory: (errors) => RequestValidationError.fromValidationErrors(errors),
        }),
    },
  ],
})
export class ApiModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}
