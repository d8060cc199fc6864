export * from './graph-clients';
export * from './graph.errors';
export * from './graph.module';
export * from './tenant-graph';
