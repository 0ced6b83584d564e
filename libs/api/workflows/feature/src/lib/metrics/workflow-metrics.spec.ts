import { FlowcastMetrics } from '@flowcast/api-core';
import type { StreamCounters } from '../stream/stream-registry';
import { registerWorkflowMetrics, type WorkflowMetricSources } from './workflow-metrics';

/** Mutable stand-ins for the real providers. */
function sources() {
  const counters: StreamCounters = {
    opened: 0,
    closed: { client: 0, finished: 0, slow: 0, lifetime: 0, shutdown: 0, revoked: 0, deleted: 0, error: 0 },
    eventsDelivered: 0,
    bytesWritten: 0,
    heartbeats: 0,
    resumes: { snapshot: 0, replayed: 0, reset: 0, no_content: 0 },
  };
  return {
    streams: { size: 0, counters },
    eventLog: {
      counters: { eventsStored: 0, batchesStored: 0 },
      faults: { fault: null, failures: 0 },
      pendingEvents: () => 0,
    },
    hub: { channelCount: 0 },
    workflows: {
      countByStatus: async () => ({ pending: 1, running: 2, completed: 3, failed: 0, cancelled: 0 }),
    },
    engine: { runningCount: 0, queuedCount: 0, queueDepth: () => null },
  } satisfies WorkflowMetricSources;
}

/** `name{labels}` → value, for every sample line. */
function parse(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

describe('the workflow metrics', () => {
  let metrics: FlowcastMetrics;

  beforeEach(() => (metrics = new FlowcastMetrics()));
  afterEach(() => metrics.onModuleDestroy());

  it('declares every metric with its Prometheus type', async () => {
    registerWorkflowMetrics(metrics, sources());
    const text = await metrics.render();
    const types = Object.fromEntries(
      [...text.matchAll(/^# TYPE (flowcast_(?:sse|events?|event_batches|store|workflows)\w*) (\w+)$/gm)].map(
        ([, name, type]) => [name, type],
      ),
    );
    expect(types).toEqual({
      flowcast_sse_streams_open: 'gauge',
      flowcast_sse_streams_opened_total: 'counter',
      flowcast_sse_streams_closed_total: 'counter',
      flowcast_sse_slow_clients_dropped_total: 'counter',
      flowcast_sse_events_delivered_total: 'counter',
      flowcast_sse_bytes_written_total: 'counter',
      flowcast_sse_heartbeats_total: 'counter',
      flowcast_sse_resumes_total: 'counter',
      flowcast_sse_watched_workflows: 'gauge',
      flowcast_events_stored_total: 'counter',
      flowcast_event_batches_stored_total: 'counter',
      flowcast_store_writable: 'gauge',
      flowcast_store_write_failures_total: 'counter',
      flowcast_event_log_pending_events: 'gauge',
      flowcast_workflows: 'gauge',
      flowcast_workflows_running: 'gauge',
      flowcast_workflows_queued: 'gauge',
    });
  });

  it("reports the sources' current totals on every scrape", async () => {
    const s = sources();
    registerWorkflowMetrics(metrics, s);
    const before = parse(await metrics.render());
    expect(before.get('flowcast_sse_streams_opened_total')).toBe(0);
    expect(before.get('flowcast_sse_streams_closed_total{reason="lifetime"}')).toBe(0);

    const sse = s.streams.counters;
    sse.opened += 3;
    sse.closed.slow += 1;
    sse.closed.finished += 1;
    sse.eventsDelivered += 40;
    sse.bytesWritten += 4_096;
    sse.heartbeats += 2;
    sse.resumes.reset += 1;
    sse.resumes.no_content += 1;
    s.streams.size = 1;
    s.eventLog.counters.eventsStored += 20;
    s.eventLog.counters.batchesStored += 4;
    s.hub.channelCount = 1;
    s.engine.runningCount = 2;
    s.engine.queuedCount = 5;
    const after = parse(await metrics.render());
    expect(after.get('flowcast_sse_streams_open')).toBe(1);
    expect(after.get('flowcast_sse_streams_opened_total')).toBe(3);
    expect(after.get('flowcast_sse_streams_closed_total{reason="slow"}')).toBe(1);
    expect(after.get('flowcast_sse_streams_closed_total{reason="finished"}')).toBe(1);
    expect(after.get('flowcast_sse_slow_clients_dropped_total')).toBe(1);
    expect(after.get('flowcast_sse_events_delivered_total')).toBe(40);
    expect(after.get('flowcast_sse_bytes_written_total')).toBe(4_096);
    expect(after.get('flowcast_sse_heartbeats_total')).toBe(2);
    expect(after.get('flowcast_sse_resumes_total{outcome="reset"}')).toBe(1);
    expect(after.get('flowcast_sse_resumes_total{outcome="no_content"}')).toBe(1);
    expect(after.get('flowcast_sse_resumes_total{outcome="snapshot"}')).toBe(0);
    expect(after.get('flowcast_sse_watched_workflows')).toBe(1);
    expect(after.get('flowcast_events_stored_total')).toBe(20);
    expect(after.get('flowcast_event_batches_stored_total')).toBe(4);
    expect(after.get('flowcast_workflows{status="completed"}')).toBe(3);
    expect(after.get('flowcast_workflows{status="failed"}')).toBe(0);
    expect(after.get('flowcast_workflows_running')).toBe(2);
    expect(after.get('flowcast_workflows_queued')).toBe(5);
  });
});
