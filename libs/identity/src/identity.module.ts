import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { Counter, register } from 'prom-client';
import { type AppConfig, APP_CONFIG, IDENTITY_PLATFORM, type IdentityPlatform } from '@tenantry/config';
import { TenantsModule } from '@tenantry/tenants';
import { ApplicationCredentialHealth } from './application-credential-health';
import { msalCredentialOf } from './credentials/client-credential';
import { IdentityHttpClient } from './identity-http-client';
import { MSAL_CLIENT_POOL } from './identity.tokens';
import { MsalClientPool } from './msal-client-pool';
import { provideSharedTokenStore } from './shared-cache/shared-token-store.provider';
import { TokenCacheEntry } from './shared-cache/token-cache-entry.entity';
import { TokenLock } from './shared-cache/token-lock.entity';
import { TenantTokenHealth } from './tenant-token-health.entity';
import { TOKEN_LATENCY_METRIC, TOKEN_REQUESTS_METRIC, TokenHealthRecorder } from './token-health.recorder';

const TOKEN_CACHE_LOOKUPS_METRIC = 'tenantry_token_cache_lookups_total';
import { TokenService } from './token.service';

/** App-only tokens per tenant. Needs `RuntimeModule` (config, identity platform, database). */
@Module({
  imports: [TenantsModule, TypeOrmModule.forFeature([TenantTokenHealth, TokenCacheEntry, TokenLock])],
  providers: [
    TokenService,
    TokenHealthRecorder,
    ApplicationCredentialHealth,
    provideSharedTokenStore(),
    {
      provide: MSAL_CLIENT_POOL,
      inject: [IDENTITY_PLATFORM, APP_CONFIG],
      useFactory: async (platform: IdentityPlatform, config: AppConfig) => {
        const sendChain = config.azure.mode === 'entra' && config.azure.sendCertificateChain;
        const credentials = [
          platform.credential,
          ...(platform.secondaryCredential ? [platform.secondaryCredential] : []),
        ];
        return new MsalClientPool(
          platform,
          await Promise.all(credentials.map((credential) => msalCredentialOf(credential, sendChain))),
          new IdentityHttpClient(platform.extraCaPem),
        );
      },
    },
    makeCounterProvider({
      name: TOKEN_REQUESTS_METRIC,
      help: 'Token requests sent to the identity platform, by outcome (success or a failure code)',
      labelNames: ['outcome'],
    }),
    {
      // Read from the token service's plain counters at scrape time.
      provide: TOKEN_CACHE_LOOKUPS_METRIC,
      inject: [TokenService],
      useFactory: (tokens: TokenService) => {
        const counter = new Counter({
          name: TOKEN_CACHE_LOOKUPS_METRIC,
          help: 'getToken calls answered from the in-process cache (hit) or not (miss)',
          labelNames: ['result'],
          registers: [],
          collect() {
            this.reset();
            this.inc({ result: 'hit' }, tokens.lookups.hit);
            this.inc({ result: 'miss' }, tokens.lookups.miss);
          },
        });
        // One token service per process; a newer application context replaces an older one's.
        register.removeSingleMetric(TOKEN_CACHE_LOOKUPS_METRIC);
        register.registerMetric(counter);
        return counter;
      },
    },
    makeHistogramProvider({
      name: TOKEN_LATENCY_METRIC,
      help: 'Latency of successful token requests to the identity platform',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
  ],
  exports: [TokenService, ApplicationCredentialHealth, TokenHealthRecorder],
})
export class IdentityModule {}
