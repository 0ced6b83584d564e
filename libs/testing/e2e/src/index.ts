export * from './lib/api-client';
export * from './lib/nginx';
export * from './lib/postgres-database';
export * from './lib/postgres-server';
export * from './lib/redis-server';
export * from './lib/server';
export * from './lib/sse-reader';
export * from './lib/cluster';
