export * from './lib/workflows-feature.module';
export * from './lib/workflows.service';
export * from './lib/stream/stream-registry';
export { isStreamRequest } from './lib/stream/stream-paths';
export * from './lib/demo-seeder';
