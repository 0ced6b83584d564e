export * from './lib/workflows-feature.module';
export * from './lib/workflows.service';
export * from './lib/stream/stream-registry';
export * from './lib/stream/stream-request-handler';
export { STREAM_ROUTE } from './lib/stream/stream-route';
export * from './lib/demo-seeder';
