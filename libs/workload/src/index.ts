export * from './tenant-token-check.job';
export * from './workload.module';
