export * from './lib/engine.module';
export * from './lib/workflow-engine';
export * from './lib/runners/agent-runner';
export * from './lib/log-sink';
export * from './lib/progress-coalescer';
