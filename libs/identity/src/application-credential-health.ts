import { Injectable, Logger } from '@nestjs/common';

export interface ApplicationCredentialStatus {
  readonly status: 'unknown' | 'ok' | 'failing';
  /** The app-scoped code of the last failure, e.g. `client_secret_expired`. */
  readonly code: string | null;
  readonly aadsts: number | null;
  readonly failingSince: Date | null;
  readonly lastSuccessAt: Date | null;
  /** The secondary credential is in use because the primary was rejected with `primaryRejectedCode`. */
  readonly usingSecondary: boolean;
  readonly primaryRejectedCode: string | null;
}

/**
 * Whether the identity platform accepts the application's own credential. An app-scoped
 * refusal (bad or expired secret, revoked certificate) is the operator's problem, not any
 * tenant's: it is shown here (and in health), and tenants are left alone.
 */
@Injectable()
export class ApplicationCredentialHealth {
  private readonly logger = new Logger(ApplicationCredentialHealth.name);
  private state: ApplicationCredentialStatus = {
    status: 'unknown',
    code: null,
    aadsts: null,
    failingSince: null,
    lastSuccessAt: null,
    usingSecondary: false,
    primaryRejectedCode: null,
  };

  current(): ApplicationCredentialStatus {
    return this.state;
  }

  recordSuccess(): void {
    if (this.state.status === 'failing') this.logger.log('The application credential is accepted again');
    this.state = {
      ...this.state,
      status: 'ok',
      code: null,
      aadsts: null,
      failingSince: null,
      lastSuccessAt: new Date(),
    };
  }

  /** The primary credential was rejected and the secondary takes over: rotate the primary soon. */
  recordFailover(code: string, aadsts: number | undefined): void {
    this.logger.warn({ code, aadsts }, 'The primary credential was rejected; using the secondary credential');
    this.state = { ...this.state, usingSecondary: true, primaryRejectedCode: code };
  }

  recordFailure(code: string, aadsts: number | undefined): void {
    if (this.state.status !== 'failing' || this.state.code !== code) {
      this.logger.error(
        { code, aadsts },
        'The identity platform rejected the application credential: every tenant is affected',
      );
    }
    this.state = {
      ...this.state,
      status: 'failing',
      code,
      aadsts: aadsts ?? null,
      failingSince: this.state.status === 'failing' ? this.state.failingSince : new Date(),
    };
  }
}
