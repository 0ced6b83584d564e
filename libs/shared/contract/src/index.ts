export * from './lib/workflow-state';
export * from './lib/events';
export * from './lib/rest';
export * from './lib/reducer';
export * from './lib/type-filter';
export * from './lib/ids';
export * from './lib/auth';
export * from './lib/templates';
