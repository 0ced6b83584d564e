import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
import { ClusterBus } from '@flowcast/api-core';
import {
  isTerminalStatus,
  type WorkflowDetail,
  type WorkflowDeletedPayload,
  type WorkflowListEventType,
  workflowSummary,
  type WorkflowState,
} from '@flowcast/shared-contract';
import { eventFrame, httpChunk } from '../sse-frame';
import type { PublishedBatch } from '../workflow-hub';
import { WorkflowsRepository } from '../workflows.repository';

/** Changes kept (at least) for resuming list streams; a cursor older than these gets `stream:reset`. */
export const LIST_FEED_RETAINED = 10_000;
/** A workflow's summary changes that are not a status change go out at most this often. */
const UPDATE_INTERVAL_MS = 1_000;
const BUS_TOPIC = 'workflow-list';

/** Who sees a change: `all` (admins) and the owner's own key. */
export const ALL_WORKFLOWS_KEY = 'list:all';
export function ownerKey(ownerId: string): string {
  return `list:owner:${ownerId}`;
}

interface ListChange {
  seq: number;
  ownerId: string | null;
  batch: PublishedBatch;
}

interface Tracked {
  /** JSON of the summary last sent (to send nothing when a commit changed nothing the list shows). */
  sentJson: string | null;
  sentStatus: WorkflowState['status'] | null;
  sentAt: number;
  /** A change waiting for its interval, and its timer. */
  pending: WorkflowState | null;
  timer: NodeJS.Timeout | undefined;
}

type ChangeType = Exclude<WorkflowListEventType, 'workflow:list' | 'stream:reset'>;

/** A change as the cluster bus carries it: `state` is the summary, or `{ id }` for a deletion. */
interface BusChange {
  type: ChangeType;
  ownerId: string | null;
  state: WorkflowState | WorkflowDeletedPayload;
}

/**
 * The feed of the workflows list stream: every workflow created, and every change of a workflow's summary
 * (status at once; current agent, step, cost, iterations at most once a second; the last one always), as
 * frames numbered in this process (`<epoch>.<n>`: a cursor from another process, or a restarted one, is
 * recognised as not ours). The last LIST_FEED_RETAINED changes are kept for resuming streams. Changes go to
 * two keys, the admins' `list:all` and the owner's. In a cluster, each change is also sent to the other
 * instances on the cluster bus, which number it in their own feeds.
 */
@Injectable()
export class WorkflowListFeed implements OnModuleDestroy {
  private readonly logger = new Logger(WorkflowListFeed.name);
  /** Names this process's ids. */
  readonly epoch = randomBytes(6).toString('base64url');
  private seqCounter = 0;
  private readonly retained: ListChange[] = [];
  private readonly subjects = new Map<string, Subject<PublishedBatch>>();
  private readonly tracked = new Map<string, Tracked>();
  private readonly owners = new Map<string, string | null>();
  private readonly awaitingOwner = new Map<string, WorkflowDetail>();
  private readonly deletedSubject = new Subject<string>();
  /** Ids of workflows deleted here or on another instance: their open streams end. */
  readonly deleted$: Observable<string> = this.deletedSubject.asObservable();

  constructor(
    @Inject(WorkflowsRepository) private readonly workflows: WorkflowsRepository,
    @Optional() @Inject(ClusterBus) private readonly bus: ClusterBus | null = null,
  ) {
    this.bus?.on<BusChange>(BUS_TOPIC, (change) => this.emit(change.type, change.ownerId, change.state));
  }

  /** Id of the latest change (0 before the first). */
  get seq(): number {
    return this.seqCounter;
  }

  /** The id the stream writes for `seq`. */
  idOf(seq: number): string {
    return `${this.epoch}.${seq}`;
  }

  /**
   * The sequence number a cursor names, when it can be resumed here: issued by this process and not older
   * than what is kept. Null otherwise (the stream answers `stream:reset` and a fresh first page).
   */
  resumable(cursor: string): number | null {
    const match = /^([A-Za-z0-9_-]{1,32})\.(\d{1,15})$/.exec(cursor);
    if (!match || match[1] !== this.epoch) return null;
    const seq = Number(match[2]);
    const oldest = this.retained.length > 0 ? this.retained[0].seq : this.seqCounter + 1;
    return seq <= this.seqCounter && seq >= oldest - 1 ? seq : null;
  }

  /** The kept changes after `seq` that `key` sees, oldest first. */
  changesAfter(seq: number, key: string): PublishedBatch[] {
    return this.retained
      .filter(
        (change) => change.seq > seq && (key === ALL_WORKFLOWS_KEY || key === ownerKey(change.ownerId ?? '')),
      )
      .map((change) => change.batch);
  }

  /** Live changes for one key, from the moment of subscription. */
  watch(key: string): Observable<PublishedBatch> {
    let subject = this.subjects.get(key);
    if (!subject) {
      subject = new Subject<PublishedBatch>();
      this.subjects.set(key, subject);
    }
    const source = subject;
    return new Observable<PublishedBatch>((subscriber) => {
      const subscription = source.subscribe(subscriber);
      return () => {
        subscription.unsubscribe();
        if (!source.observed && this.subjects.get(key) === source) this.subjects.delete(key);
      };
    });
  }

  /** A workflow was created (by this instance). */
  created(ownerId: string | null, view: WorkflowDetail): void {
    this.owners.set(view.id, ownerId);
    const state = workflowSummary(view);
    this.track(view.id).sentJson = JSON.stringify(state);
    this.send('workflow:created', ownerId, state);
  }

  /** A commit of this instance changed the workflow to `view`. */
  committed(workflowId: string, view: WorkflowDetail): void {
    if (!this.owners.has(workflowId)) {
      this.awaitOwner(workflowId, view);
      return;
    }
    const state = workflowSummary(view);
    const tracked = this.track(workflowId);
    const final = isTerminalStatus(state.status);
    if (state.status !== tracked.sentStatus || final) {
      this.flushTracked(workflowId, tracked, state);
      if (final) this.forget(workflowId);
      return;
    }
    const wait = tracked.sentAt + UPDATE_INTERVAL_MS - Date.now();
    if (wait <= 0) {
      this.flushTracked(workflowId, tracked, state);
      return;
    }
    tracked.pending = state;
    tracked.timer ??= setTimeout(() => {
      tracked.timer = undefined;
      if (tracked.pending) this.flushTracked(workflowId, tracked, tracked.pending);
    }, wait);
  }

  /** A workflow was deleted (by this instance): it leaves the lists, and its streams end everywhere. */
  deleted(ownerId: string | null, workflowId: string): void {
    this.forget(workflowId);
    this.send('workflow:deleted', ownerId, { id: workflowId });
  }

  onModuleDestroy(): void {
    this.deletedSubject.complete();
    for (const tracked of this.tracked.values()) clearTimeout(tracked.timer);
    this.tracked.clear();
    for (const subject of this.subjects.values()) subject.complete();
    this.subjects.clear();
  }

  private flushTracked(workflowId: string, tracked: Tracked, state: WorkflowState): void {
    clearTimeout(tracked.timer);
    tracked.timer = undefined;
    tracked.pending = null;
    const json = JSON.stringify(state);
    if (json === tracked.sentJson) return; // nothing the list shows changed
    tracked.sentJson = json;
    tracked.sentStatus = state.status;
    tracked.sentAt = Date.now();
    this.send('workflow:updated', this.owners.get(workflowId) ?? null, state);
  }

  private track(workflowId: string): Tracked {
    let tracked = this.tracked.get(workflowId);
    if (!tracked) {
      tracked = { sentJson: null, sentStatus: null, sentAt: 0, pending: null, timer: undefined };
      this.tracked.set(workflowId, tracked);
    }
    return tracked;
  }

  private forget(workflowId: string): void {
    const tracked = this.tracked.get(workflowId);
    if (tracked) clearTimeout(tracked.timer);
    this.tracked.delete(workflowId);
    this.owners.delete(workflowId);
  }

  /** The owner of a workflow this process did not create is read once; meanwhile only the latest view waits. */
  private awaitOwner(workflowId: string, view: WorkflowDetail): void {
    const looking = this.awaitingOwner.has(workflowId);
    this.awaitingOwner.set(workflowId, view);
    if (looking) return;
    this.workflows
      .findOwnedView(workflowId)
      .then(
        (found) => this.owners.set(workflowId, found?.ownerId ?? null),
        (error: Error) => {
          // The store is away: the change goes to the admins' list only.
          this.logger.warn(`Owner of ${workflowId} unknown (${error.message})`);
          this.owners.set(workflowId, null);
        },
      )
      .finally(() => {
        const latest = this.awaitingOwner.get(workflowId);
        this.awaitingOwner.delete(workflowId);
        if (latest) this.committed(workflowId, latest);
      });
  }

  /** A change made here: numbered, published here, and sent to the other instances. */
  private send(type: ChangeType, ownerId: string | null, state: BusChange['state']): void {
    this.emit(type, ownerId, state);
    this.bus?.publish(BUS_TOPIC, { type, ownerId, state } satisfies BusChange).catch(() => undefined);
  }

  private emit(type: ChangeType, ownerId: string | null, state: BusChange['state']): void {
    if (type === 'workflow:deleted') this.deletedSubject.next(state.id);
    const seq = ++this.seqCounter;
    const data = JSON.stringify({ ...state, ts: new Date().toISOString() });
    const frame = eventFrame(type, data, this.idOf(seq));
    const bytes = Buffer.byteLength(frame);
    const batch: PublishedBatch = {
      workflowId: ALL_WORKFLOWS_KEY,
      events: [{ id: seq, type: type as PublishedBatch['events'][number]['type'], frame }],
      frames: frame,
      bytes,
      chunk: Buffer.from(httpChunk(frame, bytes)),
      firstId: seq,
      lastId: seq,
      terminal: false,
    };
    this.retained.push({ seq, ownerId, batch });
    // Trimmed in bulk (amortised O(1) a change): between LIST_FEED_RETAINED and twice that are kept.
    if (this.retained.length >= 2 * LIST_FEED_RETAINED) {
      this.retained.splice(0, this.retained.length - LIST_FEED_RETAINED);
    }
    this.subjects.get(ALL_WORKFLOWS_KEY)?.next(batch);
    if (ownerId !== null) this.subjects.get(ownerKey(ownerId))?.next(batch);
  }
}
