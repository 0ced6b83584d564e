export * from './lib/config/flowcast-config';
export * from './lib/database/schema';
export * from './lib/database/store-connection';
export * from './lib/core.module';
export * from './lib/metrics/flowcast-metrics';
export * from './lib/public.decorator';
export * from './lib/validation/validation';
export * from './lib/http/body-errors';
