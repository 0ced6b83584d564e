export * from './lib/data-access.module';
export * from './lib/event-log';
export * from './lib/events.repository';
export * from './lib/sse-frame';
export * from './lib/workflow-errors';
export * from './lib/workflow-hub';
export * from './lib/workflows.repository';
