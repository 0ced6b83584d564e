import { Inject, Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { FlowcastMetrics, type StoreFaults } from '@flowcast/api-core';
import {
  ClusterFeed,
  type ClusterFeedCounters,
  EventLog,
  type EventLogCounters,
  WorkflowHub,
  WorkflowsRepository,
} from '@flowcast/api-workflows-data-access';
import { WorkflowEngine } from '@flowcast/api-workflows-engine';
import type { WorkflowStatus } from '@flowcast/shared-contract';
import { StreamRegistry, type StreamCounters } from '../stream/stream-registry';

/** What the workflow metrics are read from: the parts of the real providers a scrape looks at. */
export interface WorkflowMetricSources {
  streams: { readonly size: number; readonly counters: StreamCounters };
  eventLog: {
    readonly counters: EventLogCounters;
    readonly faults: Pick<StoreFaults, 'fault' | 'failures'>;
    pendingEvents(): number;
  };
  hub: { readonly channelCount: number };
  workflows: { countByStatus(): Promise<Record<WorkflowStatus, number>> };
  engine: {
    readonly runningCount: number;
    readonly queuedCount: number;
    queueDepth(): Promise<Record<string, number>> | null;
  };
  /** In a cluster only. */
  cluster?: { readonly counters: ClusterFeedCounters; readonly watchedCount: number } | null;
}

/**
 * Registers every workflow and stream metric (CONTRACT §6; listed in docs/operations.md). All are read on
 * scrape from plain numbers the sources keep, or from one GROUP BY for the status counts.
 */
export function registerWorkflowMetrics(metrics: FlowcastMetrics, sources: WorkflowMetricSources): void {
  const { streams, eventLog, hub, workflows, engine } = sources;
  const sse = streams.counters;

  metrics.gauge('flowcast_sse_streams_open', 'SSE streams open now.', () => streams.size);
  metrics.counter(
    'flowcast_sse_streams_opened_total',
    'SSE streams opened (200 answered).',
    () => sse.opened,
  );
  metrics.labelledCounter(
    'flowcast_sse_streams_closed_total',
    'SSE streams closed, by reason: client, finished, slow, lifetime, shutdown, revoked, deleted, error.',
    'reason',
    () => sse.closed,
  );
  // The same number as closed_total{reason="slow"}, under the name an alert is written against.
  metrics.counter(
    'flowcast_sse_slow_clients_dropped_total',
    'SSE clients disconnected for reading too slowly (equals streams_closed_total{reason="slow"}).',
    () => sse.closed.slow,
  );
  metrics.counter(
    'flowcast_sse_events_delivered_total',
    'Events written to SSE clients (one event to two clients counts two).',
    () => sse.eventsDelivered,
  );
  metrics.counter(
    'flowcast_sse_bytes_written_total',
    'UTF-8 bytes written to SSE clients.',
    () => sse.bytesWritten,
  );
  metrics.counter('flowcast_sse_heartbeats_total', 'Heartbeat comments written.', () => sse.heartbeats);
  metrics.labelledCounter(
    'flowcast_sse_resumes_total',
    'Stream requests by how they were answered: snapshot (no Last-Event-ID), replayed, reset (unknown id), no_content (204).',
    'outcome',
    () => sse.resumes,
  );
  metrics.gauge(
    'flowcast_sse_watched_workflows',
    'Workflows with at least one live listener in this process.',
    () => hub.channelCount,
  );

  metrics.counter(
    'flowcast_events_stored_total',
    'Events committed to the store by this process.',
    () => eventLog.counters.eventsStored,
  );
  metrics.counter(
    'flowcast_event_batches_stored_total',
    'Store transactions that committed events.',
    () => eventLog.counters.batchesStored,
  );
  metrics.gauge(
    'flowcast_store_writable',
    '1 while the store takes writes, 0 while it refuses them (down, full, read-only): events are then held.',
    () => (eventLog.faults.fault ? 0 : 1),
  );
  metrics.counter(
    'flowcast_store_write_failures_total',
    'Writes the store refused for being unavailable (each tried again until it takes them).',
    () => eventLog.faults.failures,
  );
  metrics.gauge(
    'flowcast_event_log_pending_events',
    'Events appended and not stored yet (held in memory while the store is unavailable).',
    () => eventLog.pendingEvents(),
  );

  // Read from the store: left out of a scrape while the store is away, so the rest still answers.
  metrics.labelledGauge('flowcast_workflows', 'Workflows in the store, by status.', 'status', () =>
    workflows.countByStatus().catch(() => ({})),
  );
  metrics.gauge(
    'flowcast_workflows_running',
    'Workflows this process is running now.',
    () => engine.runningCount,
  );
  metrics.gauge(
    'flowcast_workflows_queued',
    'Workflows waiting in this process for a free slot (WORKFLOW_CONCURRENCY).',
    () => engine.queuedCount,
  );
  if (sources.cluster) registerClusterMetrics(metrics, sources.cluster, engine);
}

/** What a cluster adds (REDIS_URL set): the live feed between instances and the shared run queue. */
function registerClusterMetrics(
  metrics: FlowcastMetrics,
  cluster: NonNullable<WorkflowMetricSources['cluster']>,
  engine: WorkflowMetricSources['engine'],
): void {
  const feed = cluster.counters;
  metrics.counter(
    'flowcast_cluster_batches_published_total',
    'Stored batches this instance published to Redis.',
    () => feed.published,
  );
  metrics.counter(
    'flowcast_cluster_publish_failures_total',
    'Batches Redis did not take (it was away); other instances filled them from the store.',
    () => feed.publishFailures,
  );
  metrics.counter(
    'flowcast_cluster_batches_received_total',
    'Batches received from other instances for workflows watched here.',
    () => feed.received,
  );
  metrics.counter(
    'flowcast_cluster_gap_fills_total',
    'Gaps in the live feed filled from the store.',
    () => feed.gapFills,
  );
  metrics.counter(
    'flowcast_cluster_duplicates_dropped_total',
    'Batches dropped because everything in them was delivered already.',
    () => feed.duplicatesDropped,
  );
  metrics.counter(
    'flowcast_cluster_store_polls_total',
    'Store polls for watched workflows (each second while Redis is away, each five seconds otherwise).',
    () => feed.storePolls,
  );
  metrics.gauge(
    'flowcast_cluster_watched_workflows',
    'Workflows this instance is subscribed to in Redis.',
    () => cluster.watchedCount,
  );
  metrics.labelledGauge(
    'flowcast_run_queue_jobs',
    'Jobs in the cluster-wide run queue (BullMQ), by state.',
    'state',
    async () => (await engine.queueDepth()) ?? {},
  );
}

/** Hands the workflow feature's sources to the core registry once everything is constructed. */
@Injectable()
export class WorkflowMetrics implements OnModuleInit {
  constructor(
    @Inject(FlowcastMetrics) private readonly metrics: FlowcastMetrics,
    @Inject(StreamRegistry) private readonly streams: StreamRegistry,
    @Inject(EventLog) private readonly eventLog: EventLog,
    @Inject(WorkflowHub) private readonly hub: WorkflowHub,
    @Inject(WorkflowsRepository) private readonly workflows: WorkflowsRepository,
    @Inject(WorkflowEngine) private readonly engine: WorkflowEngine,
    @Optional() @Inject(ClusterFeed) private readonly cluster: ClusterFeed | null = null,
  ) {}

  onModuleInit(): void {
    const { streams, eventLog, hub, workflows, engine, cluster } = this;
    registerWorkflowMetrics(this.metrics, { streams, eventLog, hub, workflows, engine, cluster });
  }
}
