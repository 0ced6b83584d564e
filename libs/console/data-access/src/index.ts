export * from './lib/api/auth.service';
export * from './lib/api/workflows-api.service';
export * from './lib/api/http.interceptors';
export * from './lib/stream/event-source';
export * from './lib/stream/reconnection';
export * from './lib/stream/workflow-stream';
export * from './lib/stream/workflow-stream.service';
export * from './lib/testing/fake-event-source';
