export * from './lib/auth.module';
export * from './lib/access.guard';
export { Public } from '@flowcast/api-core';
