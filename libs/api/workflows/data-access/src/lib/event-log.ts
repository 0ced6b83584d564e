import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import {
  type EventsTable,
  FLOWCAST_CONFIG,
  type FlowcastConfig,
  isStoreUnavailable,
  StoreFaults,
} from '@flowcast/api-core';
import {
  isTerminalEventType,
  isTerminalStatus,
  logLineCount,
  NewEvent,
  reduceWorkflow,
  StoredEvent,
  WorkflowDetail,
} from '@flowcast/shared-contract';
import { type AppendRequest, EventsRepository } from './events.repository';
import { ClusterFeed } from './cluster/cluster-feed';
import { WorkflowListFeed } from './list/workflow-list-feed';
import { buildBatch } from './published-batch';
import { WorkflowHub } from './workflow-hub';
import { ConcurrentAppendError, WorkflowNotFoundError, WorkflowStateError } from './workflow-errors';
import { WorkflowsRepository } from './workflows.repository';

interface PendingAppend {
  events: NewEvent[];
  /** When it was appended: every event's `ts` (so a try again stores the very same rows). */
  ts: string;
  resolve: (stored: StoredEvent[]) => void;
  reject: (error: unknown) => void;
}

interface Writer {
  view: WorkflowDetail;
}

/** A group of appends numbered and folded, ready to store. */
interface Prepared {
  workflowId: string;
  writer: Writer;
  group: PendingAppend[];
  request: AppendRequest;
  results: StoredEvent[][];
  terminal: boolean;
}

/** Events per group: bounds a transaction's size when a flood has queued up. */
const MAX_BATCH_EVENTS = 2_000;
/** First wait before held appends are tried again (store unavailable), doubled per failed try up to the max. */
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 2_000;

/** Whole appends gathered up to MAX_BATCH_EVENTS per group (an append is never split across groups). */
function groupsOf(pending: PendingAppend[]): PendingAppend[][] {
  const groups: PendingAppend[][] = [];
  let start = 0;
  while (start < pending.length) {
    let end = start;
    let count = 0;
    do {
      count += pending[end].events.length;
      end++;
    } while (end < pending.length && count + pending[end].events.length <= MAX_BATCH_EVENTS);
    groups.push(pending.slice(start, end));
    start = end;
  }
  return groups;
}

/** Running totals since start, read by the metrics scrape (plain numbers: nothing costly per event). */
export interface EventLogCounters {
  /** Events committed to the store. */
  eventsStored: number;
  /** Groups they were stored in (one per workflow per flush, at most MAX_BATCH_EVENTS events each). */
  batchesStored: number;
}

/**
 * The durable event log: persist, then publish. Appends made in the same tick are stored together (one
 * commit for all workflows on SQLite; ids assigned inside it, gap-free, with the reducer's new state), and
 * only then are the events serialised once and handed to the hub.
 */
@Injectable()
export class EventLog {
  private readonly logger = new Logger(EventLog.name);
  private queue = new Map<string, PendingAppend[]>();
  private readonly writers = new Map<string, Writer>();
  private scheduled = false;
  private lastFlushAt = -Infinity;
  private flushing = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;
  readonly counters: EventLogCounters = { eventsStored: 0, batchesStored: 0 };

  private readonly commitWindowMs: number;
  private retryDelayMs = RETRY_FIRST_MS;
  /**
   * Workflows whose latest write failed with the store unavailable, with the state before that write: a
   * commit may have happened without its answer arriving (a PostgreSQL connection lost at COMMIT), so the
   * store is read before they are written again (see settleUnsure), and nothing is stored twice.
   */
  private readonly unsure = new Map<string, WorkflowDetail>();
  /** Whether the store takes writes (shared with the health check and the engine). */
  readonly faults: StoreFaults;

  constructor(
    @Inject(EventsRepository) private readonly events: EventsRepository,
    @Inject(WorkflowsRepository) private readonly workflows: WorkflowsRepository,
    @Inject(WorkflowHub) private readonly hub: WorkflowHub,
    @Optional() @Inject(FLOWCAST_CONFIG) config?: Pick<FlowcastConfig, 'commitWindowMs'>,
    /** In a cluster: stored batches go to every instance through it (and to this one's hub in order). */
    @Optional() @Inject(ClusterFeed) private readonly cluster: ClusterFeed | null = null,
    @Optional() @Inject(StoreFaults) faults: StoreFaults | null = null,
    /** The workflows list stream's feed: told of every commit (it sends what the list shows of it). */
    @Optional() @Inject(WorkflowListFeed) private readonly listFeed: WorkflowListFeed | null = null,
  ) {
    this.commitWindowMs = config?.commitWindowMs ?? 0;
    this.faults = faults ?? new StoreFaults();
  }

  /**
   * Stores the events in order and resolves with their ids once they are durable and published. While the
   * store is unavailable (down, full, read-only) the appends are held, in order, and tried again until it
   * takes them: the promise then resolves late, never rejects for it. It rejects when the store refuses the
   * events themselves (no such workflow, the workflow has ended, a row the store cannot hold).
   */
  append(workflowId: string, events: NewEvent[]): Promise<StoredEvent[]> {
    if (events.length === 0) return Promise.resolve([]);
    return new Promise<StoredEvent[]>((resolve, reject) => {
      let pending = this.queue.get(workflowId);
      if (!pending) {
        pending = [];
        this.queue.set(workflowId, pending);
      }
      pending.push({ events, ts: new Date().toISOString(), resolve, reject });
      this.schedule();
    });
  }

  /** Events appended and not stored yet (held while the store is unavailable, or waiting for a commit). */
  pendingEvents(): number {
    let count = 0;
    for (const pending of this.queue.values()) {
      for (const item of pending) count += item.events.length;
    }
    return count;
  }

  /** Resolves once everything appended so far is stored and published (not before the store is back). */
  async drain(): Promise<void> {
    while (this.flushing || this.scheduled || this.queue.size > 0) await this.idle;
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    this.idle = new Promise((resolve) => (this.markIdle = resolve));
    // The first append after a quiet spell is stored at once (next tick); while appends keep coming, they
    // gather for up to the commit window (STORE_COMMIT_WINDOW_MS) so that one commit serves many workflows.
    const wait = this.lastFlushAt + this.commitWindowMs - performance.now();
    if (wait > 0) setTimeout(() => void this.flush(), wait);
    else setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    this.flushing = true;
    this.lastFlushAt = performance.now();
    let held = false;
    try {
      while (this.queue.size > 0 && !held) {
        const work = this.queue;
        this.queue = new Map();
        held = await this.storeAll(work);
      }
    } finally {
      this.flushing = false;
      if (held) this.retryLater();
      else {
        this.retryDelayMs = RETRY_FIRST_MS;
        this.markIdle();
      }
    }
  }

  /**
   * The store was unavailable: the held appends (back at the head of the queue) are tried again after a
   * wait that doubles up to RETRY_MAX_MS. Appends made meanwhile queue behind them (`scheduled` stays set).
   */
  private retryLater(): void {
    this.scheduled = true;
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, RETRY_MAX_MS);
    setTimeout(() => void this.flush(), delay).unref();
  }

  /**
   * Every workflow's first group of pending appends is committed together (one commit for the tick, where
   * the store allows it; see EventsRepository.appendAll). A group that was refused, and any further group of
   * a workflow (a flood beyond MAX_BATCH_EVENTS), is then stored on its own, in order, with retries. Appends
   * the store could not take for being unavailable are held: put back at the head of the queue, in order,
   * with every later append of their workflow. Resolves true when some were held.
   */
  private async storeAll(work: Map<string, PendingAppend[]>): Promise<boolean> {
    const held = new Map<string, PendingAppend[]>();
    let holdError: unknown;
    const hold = (workflowId: string, items: PendingAppend[], error: unknown) => {
      const list = held.get(workflowId);
      if (list) list.push(...items);
      else held.set(workflowId, [...items]);
      holdError = error;
    };
    let stored = false;
    const first: Prepared[] = [];
    const rest: [string, PendingAppend[][]][] = [];
    for (const [workflowId, pending] of work) {
      let remaining = pending;
      let groups: PendingAppend[][];
      try {
        remaining = await this.settleUnsure(workflowId, pending);
        if (remaining.length < pending.length) stored = true;
        if (remaining.length === 0) continue;
        groups = groupsOf(remaining);
        first.push(this.prepare(workflowId, await this.writerFor(workflowId), groups[0]));
      } catch (error) {
        if (isStoreUnavailable(error)) hold(workflowId, remaining, error);
        // No such workflow (or an event the reducer refuses): only this workflow's appends fail.
        else for (const group of groupsOf(remaining)) this.fail(workflowId, group, error);
        continue;
      }
      if (groups.length > 1) rest.push([workflowId, groups.slice(1)]);
    }
    let outcomes: unknown[];
    try {
      outcomes = first.length > 0 ? await this.events.appendAll(first.map((item) => item.request)) : [];
    } catch (error) {
      outcomes = first.map(() => error);
    }
    const refused: Prepared[] = [];
    first.forEach((item, index) => {
      const error = outcomes[index];
      if (error === null) {
        this.committed(item);
        stored = true;
      } else if (error instanceof ConcurrentAppendError) refused.push(item);
      else {
        this.writers.delete(item.workflowId);
        if (isStoreUnavailable(error)) {
          this.unsure.set(item.workflowId, item.writer.view);
          hold(item.workflowId, item.group, error);
        } else this.fail(item.workflowId, item.group, error);
      }
    });
    // Another process wrote to these since their state was cached: reload and number them again.
    for (const item of refused) {
      this.writers.delete(item.workflowId);
      stored = (await this.storeGroup(item.workflowId, item.group, hold)) || stored;
    }
    for (const [workflowId, groups] of rest) {
      for (const group of groups) {
        // Behind a held group, every later one of its workflow waits too: order is kept.
        if (held.has(workflowId)) hold(workflowId, group, holdError);
        else stored = (await this.storeGroup(workflowId, group, hold)) || stored;
      }
    }
    if (held.size === 0) {
      if (stored) this.faults.writeSucceeded();
      return false;
    }
    if (!this.faults.fault) {
      this.logger.error(
        `The store is unavailable (${(holdError as Error).message}): events are held in memory and stored when it is back`,
      );
    }
    this.faults.writeFailed(holdError);
    for (const [workflowId, items] of held) {
      const later = this.queue.get(workflowId);
      this.queue.set(workflowId, later ? [...items, ...later] : items);
    }
    return true;
  }

  /** Stores one group on its own; true when stored. Held (`hold`) when the store is unavailable. */
  private async storeGroup(
    workflowId: string,
    group: PendingAppend[],
    hold: (workflowId: string, items: PendingAppend[], error: unknown) => void,
  ): Promise<boolean> {
    try {
      await this.store(workflowId, group);
      return true;
    } catch (error) {
      if (isStoreUnavailable(error)) hold(workflowId, group, error);
      else this.fail(workflowId, group, error);
      return false;
    }
  }

  private fail(workflowId: string, group: PendingAppend[], error: unknown): void {
    if (!(error instanceof WorkflowNotFoundError)) {
      this.logger.error(`Could not store events of ${workflowId}: ${(error as Error).message}`);
    }
    for (const item of group) item.reject(error);
  }

  private async store(workflowId: string, group: PendingAppend[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const writer = await this.writerFor(workflowId);
      const prepared = this.prepare(workflowId, writer, group);
      const { expectedLastSeq, rows, view } = prepared.request;
      try {
        await this.events.append(workflowId, expectedLastSeq, rows, view);
      } catch (error) {
        // Another process wrote since we cached the state: reload and number the events again.
        this.writers.delete(workflowId);
        if (isStoreUnavailable(error)) this.unsure.set(workflowId, writer.view);
        if (!(error instanceof ConcurrentAppendError) || attempt >= 2) throw error;
        continue;
      }
      this.committed(prepared);
      return;
    }
  }

  /**
   * A write of this workflow failed with the store unavailable: it may have been committed nonetheless (a
   * PostgreSQL connection lost at COMMIT). The events stored since are read back; the leading appends whose
   * rows are exactly there (same ids, types and data, `ts` included) were committed: they are published and
   * resolved, not written twice. Returns the appends still to store.
   */
  private async settleUnsure(workflowId: string, pending: PendingAppend[]): Promise<PendingAppend[]> {
    const before = this.unsure.get(workflowId);
    if (!before) return pending;
    const view = await this.workflows.findView(workflowId);
    const extra = view ? view.lastEventId - before.lastEventId : 0;
    const rows = extra > 0 ? await this.events.readAfter(workflowId, before.lastEventId, extra) : [];
    this.unsure.delete(workflowId);
    let next = 0;
    let matched = 0;
    for (const item of pending) {
      const ours = item.events.every((event) => {
        const row = rows[next++];
        return row?.type === event.type && row.data === storedData(event, workflowId, item.ts);
      });
      if (!ours) break;
      matched++;
    }
    if (matched === 0) return pending;
    const writer: Writer = { view: before };
    this.writers.set(workflowId, writer);
    this.committed(this.prepare(workflowId, writer, pending.slice(0, matched)));
    this.logger.warn(`${workflowId}: a write whose answer was lost had been committed; not stored again`);
    return pending.slice(matched);
  }

  /** Numbers the group's events after the writer's last id and folds them into the state they lead to. */
  private prepare(workflowId: string, writer: Writer, group: PendingAppend[]): Prepared {
    let view = writer.view;
    let seq = writer.view.lastEventId;
    let terminal = false;
    const rows: EventsTable[] = [];
    const results: StoredEvent[][] = [];
    for (const item of group) {
      const stored: StoredEvent[] = [];
      for (const event of item.events) {
        seq++;
        const data = { ...event.payload, workflowId, ts: item.ts };
        const storedEvent = { id: seq, type: event.type, data } as StoredEvent;
        view = reduceWorkflow(view, storedEvent);
        const lines = logLineCount(storedEvent);
        rows.push({ workflow_id: workflowId, seq, type: event.type, data: JSON.stringify(data), lines });
        stored.push(storedEvent);
        terminal ||= isTerminalEventType(event.type);
      }
      results.push(stored);
    }
    return {
      workflowId,
      writer,
      group,
      request: { workflowId, expectedLastSeq: writer.view.lastEventId, rows, view },
      results,
      terminal,
    };
  }

  /** The group is durable: remember its state, publish it, resolve its appends. */
  private committed({ workflowId, writer, group, request, results, terminal }: Prepared): void {
    this.counters.eventsStored += request.rows.length;
    this.counters.batchesStored++;
    writer.view = request.view;
    if (terminal) this.writers.delete(workflowId);
    this.listFeed?.committed(workflowId, request.view);
    if (this.cluster) this.cluster.committed(workflowId, request.rows);
    // Frames are built once for every listener, and not at all when nobody listens.
    else if (this.hub.hasListeners(workflowId)) this.hub.publish(buildBatch(workflowId, request.rows));
    group.forEach((item, index) => item.resolve(results[index]));
  }

  private async writerFor(workflowId: string): Promise<Writer> {
    const cached = this.writers.get(workflowId);
    if (cached) return cached;
    const view = await this.workflows.findView(workflowId);
    if (!view) throw new WorkflowNotFoundError(workflowId);
    // Nothing follows the end: a run that lost its claim (an instance taken for dead) cannot end it twice.
    if (isTerminalStatus(view.status)) {
      throw new WorkflowStateError(
        `workflow ${workflowId} has ended (${view.status}); the events were refused`,
      );
    }
    const writer = { view };
    this.writers.set(workflowId, writer);
    return writer;
  }

  /** The latest state this process stored for a workflow it is writing, if any (cheaper than a read). */
  cachedView(workflowId: string): WorkflowDetail | undefined {
    return this.writers.get(workflowId)?.view;
  }
}

/** An event's `data` column exactly as `prepare` writes it. */
function storedData(event: NewEvent, workflowId: string, ts: string): string {
  return JSON.stringify({ ...event.payload, workflowId, ts });
}
