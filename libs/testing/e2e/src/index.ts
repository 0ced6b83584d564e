export * from './lib/api-client';
export * from './lib/server';
export * from './lib/sse-reader';
