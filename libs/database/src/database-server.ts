import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EmbeddedPostgres } from './embedded-postgres';

/** Where PostgreSQL is: the configured server, or the embedded one this process may own. */
@Injectable()
export class DatabaseServer implements OnApplicationShutdown {
  private dataSource: DataSource | undefined;

  constructor(
    readonly url: string,
    private readonly embedded: EmbeddedPostgres | undefined,
  ) {}

  static async resolve(configuredUrl: string | undefined, dataDir: string): Promise<DatabaseServer> {
    if (configuredUrl !== undefined) return new DatabaseServer(configuredUrl, undefined);
    const embedded = await EmbeddedPostgres.start(dataDir);
    return new DatabaseServer(embedded.url, embedded);
  }

  get isEmbedded(): boolean {
    return this.embedded !== undefined;
  }

  /** The embedded server must outlive every client, so it closes the DataSource itself first. */
  attach(dataSource: DataSource): void {
    this.dataSource = dataSource;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource?.isInitialized) await this.dataSource.destroy();
    await this.embedded?.stop();
  }
}
