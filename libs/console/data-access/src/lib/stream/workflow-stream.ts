import { signal, type Signal } from '@angular/core';
import { Observable, Subject } from 'rxjs';
import {
  apiPaths,
  foldWorkflow,
  isTerminalStatus,
  parseEventId,
  reduceWorkflow,
  seedWorkflow,
  type BudgetPayload,
  type LogCreatedPayload,
  type StreamEvent,
  type WorkflowDetail,
  type WorkflowEventType,
  type ConnectionState,
} from '@flowcast/shared-contract';
import { type EventSourceFactory, type EventSourceLike, type StreamMessage } from './event-source';
import { jittered, retryDelay, STREAM_TIMING, StallTimer } from './reconnection';
import { type EarlierLogsFetcher, type LogEntry, WorkflowLog } from './workflow-log';

export type StreamNoticeKind = 'completed' | 'failed' | 'cancelled' | 'budget-warning';

/** A stored event the stream has applied after its snapshot (or replayed on a resume): it carries its id. */
export type AppliedEvent = StreamEvent & { id: number };

/** Something worth a toast; only for events that happen while the page is open. */
export interface StreamNotice {
  kind: StreamNoticeKind;
  message: string;
}

export interface WorkflowStreamOptions {
  workflowId: string;
  /** Creates the EventSource; null where the browser has none (the client then only polls). */
  createEventSource: EventSourceFactory | null;
  /** `GET /api/workflows/:id`, for the polling fallback. */
  fetchDetail: (id: string) => Promise<WorkflowDetail>;
  /** The server's `SSE_HEARTBEAT_MS`. */
  heartbeatMs?: number;
  /** `GET /api/workflows/:id/logs?before=`, to read the log further back than the stream's snapshot. */
  fetchEarlierLogs?: EarlierLogsFetcher;
  /** For the backoff's jitter; fixed in tests. */
  random?: () => number;
  /** How many of the newest log lines are held (LOG_CAPACITY). */
  maxLogLines?: number;
}

/** Every event type of the contract: typed events reach only listeners added for their type. */
const LISTENED_TYPES: Record<WorkflowEventType, true> = {
  'workflow:started': true,
  'workflow:running': true,
  'agent:started': true,
  'agent:progress': true,
  'agent:completed': true,
  'agent:failed': true,
  'workflow:completed': true,
  'workflow:failed': true,
  'workflow:cancelled': true,
  'budget:warning': true,
  'budget:exceeded': true,
  'log:created': true,
  'log:batch': true,
  'workflow:state': true,
  'agent:state': true,
  'stream:reset': true,
};
export const STREAM_EVENT_TYPES = Object.keys(LISTENED_TYPES) as WorkflowEventType[];

/** One EventSource, from creation to close. */
interface Connection {
  readonly source: EventSourceLike;
  /** `lastEventId` as of the previous event: a change means the event carried an `id:` line. */
  lastSeenId: string;
  /** Snapshot events gathered so far, while a snapshot is being received. */
  snapshot: StreamEvent[] | null;
  /** Opened with a cursor: what comes before the live part is a replay. */
  replaying: boolean;
  /** A try made while polling: it takes over only once it delivers an event. */
  background: boolean;
  delivered: boolean;
  /** The server answered it (200): a later silence is a quiet stream more likely than a dead one. */
  opened: boolean;
  /** When it was opened, in the server's clock (as far as the last snapshot tells). */
  openedAt: number;
}

/**
 * The console's view of one workflow, kept current from its SSE stream (CONTRACT §4, §7): a snapshot
 * replaces the state, later events are folded in with the shared reducer, a lost connection is resumed
 * from the last applied id with backoff, and after five failed tries the client polls the REST API while
 * it keeps trying the stream in the background. It stops for good once the workflow has finished.
 *
 * Framework-light on purpose: it uses signals for its state and the global timers, nothing injected.
 */
export class WorkflowStream {
  private readonly viewState = signal<WorkflowDetail | null>(null);
  private readonly connectionState = signal<ConnectionState>('offline');
  private readonly finishedState = signal(false);
  private readonly goneState = signal(false);
  private readonly noticeSubject = new Subject<StreamNotice>();
  private readonly appliedSubject = new Subject<AppliedEvent>();

  readonly view: Signal<WorkflowDetail | null> = this.viewState.asReadonly();
  /** The workflow's newest log lines (up to LOG_CAPACITY), and reading further back. */
  readonly log: WorkflowLog;
  /** The held log lines, oldest first. */
  readonly logs: Signal<readonly LogEntry[]>;
  readonly connection: Signal<ConnectionState> = this.connectionState.asReadonly();
  /** The workflow has finished and the client has stopped for good. */
  readonly finished: Signal<boolean> = this.finishedState.asReadonly();
  /** The workflow no longer exists (it was deleted): the client has stopped for good. */
  readonly gone: Signal<boolean> = this.goneState.asReadonly();
  readonly notices$: Observable<StreamNotice> = this.noticeSubject.asObservable();
  /**
   * Each event applied after a snapshot, in id order (not the snapshot's: it holds only the current state).
   * For views that need the whole history, which they load up to the snapshot's `lastEventId` themselves.
   */
  readonly applied$: Observable<AppliedEvent> = this.appliedSubject.asObservable();

  readonly workflowId: string;
  private readonly createEventSource: EventSourceFactory | null;
  private readonly fetchDetail: (id: string) => Promise<WorkflowDetail>;
  private readonly random: () => number;

  private current: Connection | null = null;
  /** The state as the stream built it; what is shown unless a poll is newer. */
  private streamView: WorkflowDetail | null = null;
  /** Id of the last stream event applied: where the next EventSource resumes. Null: take a snapshot. */
  private lastAppliedId: number | null = null;
  /** The last polled state, shown until the resumed stream has caught up with it. */
  private polledView: WorkflowDetail | null = null;
  /** Consecutive reconnection tries that were not answered (reset by an open connection or an event). */
  private tries = 0;
  private polling = false;
  /** Bumped whenever polling stops, so that an answer still on its way is ignored. */
  private pollGeneration = 0;
  /** Client clock minus server clock, measured on the last snapshot; keeps old replays out of the toasts. */
  private clockSkewMs = 0;
  private started = false;
  private closed = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly stallTimer: StallTimer;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: WorkflowStreamOptions) {
    this.workflowId = options.workflowId;
    this.createEventSource = options.createEventSource;
    this.fetchDetail = options.fetchDetail;
    this.stallTimer = new StallTimer(options.heartbeatMs ?? STREAM_TIMING.heartbeatMs);
    this.random = options.random ?? Math.random;
    this.log = new WorkflowLog(options.fetchEarlierLogs ?? null, options.maxLogLines);
    this.logs = this.log.lines;
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    if (this.createEventSource === null) this.startPolling();
    else this.connect(false);
  }

  /** Reconnects at once (the user asked), with a fresh retry count. */
  reconnect(): void {
    if (this.closed) return;
    this.started = true;
    this.finishedState.set(false);
    this.stopPolling();
    this.clearRetry();
    this.closeSource();
    this.tries = 0;
    if (this.createEventSource === null) this.startPolling();
    else this.connect(false);
  }

  /** Stops everything: the EventSource, every timer, polling. Final. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopPolling();
    this.clearRetry();
    this.closeSource();
    this.connectionState.set('offline');
    this.noticeSubject.complete();
    this.appliedSubject.complete();
  }

  // ------------------------------------------------------------------------------------------------------
  // Connections
  // ------------------------------------------------------------------------------------------------------

  /** `quiet`: a refresh of a connection that was live; the state stays `live` unless it fails. */
  private connect(background: boolean, quiet = false): void {
    const factory = this.createEventSource;
    if (factory === null || this.closed) return;
    const cursor = this.lastAppliedId;
    const url =
      apiPaths.stream(this.workflowId) +
      (cursor === null ? '' : `?lastEventId=${encodeURIComponent(cursor)}`);
    const source = factory(url, { withCredentials: true });
    const connection: Connection = {
      source,
      lastSeenId: '',
      snapshot: cursor === null ? [] : null,
      replaying: cursor !== null,
      background,
      delivered: false,
      opened: false,
      openedAt: Date.now() - this.clockSkewMs,
    };
    this.current = connection;
    if (!background && !quiet) this.connectionState.set('reconnecting');
    source.addEventListener('open', () => this.onOpen(connection));
    source.addEventListener('error', () => this.onError(connection));
    for (const type of STREAM_EVENT_TYPES) {
      source.addEventListener(type, (message) => this.onMessage(connection, type, message));
    }
    this.armStallTimer(connection);
  }

  private onOpen(connection: Connection): void {
    if (connection !== this.current) return;
    connection.opened = true;
    if (!connection.background) {
      this.connectionState.set('live');
      // An answered connection is not a failed try: a quiet workflow that the stall detector keeps
      // reconnecting must never count down to polling.
      this.tries = 0;
    }
    this.armStallTimer(connection);
  }

  /**
   * Any error ends this EventSource, whatever it would do next: one that got a non-200 answer (a 204
   * included) is CLOSED and gives up for good; one that is CONNECTING would retry on its own schedule,
   * without backoff and from its own idea of the last id. Either way, this class decides.
   */
  private onError(connection: Connection): void {
    if (connection !== this.current) return;
    this.connectionLost(connection);
  }

  private connectionLost(connection: Connection): void {
    this.closeSource();
    if (this.isViewFinished()) {
      // The server ends a finished workflow's stream (or answers 204): that is the end, not a failure.
      this.finish();
      return;
    }
    if (connection.background || this.polling) {
      this.scheduleConnect(jittered(STREAM_TIMING.backgroundRetryMs, this.random), true);
      return;
    }
    if (this.tries >= STREAM_TIMING.maxTries) {
      this.startPolling();
      return;
    }
    // A stream refused at once (never opened) may be a 404: the workflow was deleted. An EventSource cannot
    // tell, so the state is asked for once, instead of finding out only when polling starts.
    if (!connection.opened && this.tries === 1) void this.probeGone();
    this.tries++;
    this.connectionState.set('reconnecting');
    this.scheduleConnect(retryDelay(this.tries, this.random), false);
  }

  private scheduleConnect(delayMs: number, background: boolean): void {
    this.clearRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect(background);
    }, delayMs);
  }

  /** A quiet workflow costs a reconnection now and then (see StallTimer). */
  private armStallTimer(connection: Connection): void {
    this.stallTimer.clear();
    if (this.closed || this.finishedState()) return;
    this.stallTimer.arm(() => {
      if (connection !== this.current) return;
      if (connection.opened && !connection.background && !this.isViewFinished()) this.refresh();
      else this.connectionLost(connection);
    });
  }

  /**
   * A live connection fell silent: most often a quiet stream (EventSource cannot see the heartbeats), now and
   * then a dead one. It is replaced at once, resuming by id, without showing `reconnecting`: the user sees
   * a change of state only when the new connection fails too.
   */
  private refresh(): void {
    this.closeSource();
    this.connect(false, true);
  }

  private closeSource(): void {
    this.stallTimer.clear();
    this.current?.source.close();
    this.current = null;
  }

  private finish(): void {
    this.stopPolling();
    this.clearRetry();
    this.closeSource();
    this.connectionState.set('ended');
    this.finishedState.set(true);
  }

  private isViewFinished(): boolean {
    const view = this.viewState();
    return view !== null && isTerminalStatus(view.status);
  }

  // ------------------------------------------------------------------------------------------------------
  // Events
  // ------------------------------------------------------------------------------------------------------

  private onMessage(connection: Connection, type: WorkflowEventType, message: StreamMessage): void {
    if (connection !== this.current) return;
    // `lastEventId` persists across events without an `id:` line, so only a change says this one had one.
    const carriesId = message.lastEventId !== connection.lastSeenId;
    connection.lastSeenId = message.lastEventId;
    const id = carriesId ? (parseEventId(message.lastEventId) ?? undefined) : undefined;
    let data: unknown;
    try {
      data = JSON.parse(message.data);
    } catch {
      return;
    }
    const event = { type, id, data } as StreamEvent;

    this.armStallTimer(connection);
    if (!connection.delivered) this.firstDelivery(connection);

    if (event.type === 'stream:reset') {
      // The server cannot resume from our id: forget what we hold; the snapshot that follows replaces it.
      this.streamView = null;
      this.lastAppliedId = null;
      connection.snapshot = [];
      connection.replaying = false;
      return;
    }
    if (connection.snapshot !== null) {
      connection.snapshot.push(event);
      // Only the snapshot's last event carries an id: the workflow's latest.
      if (event.id !== undefined) {
        this.applySnapshot(connection.snapshot, event.id);
        connection.snapshot = null;
        connection.replaying = false;
      }
      return;
    }
    // Outside a snapshot every event carries an id; one that does not repeats the previous id.
    if (event.id === undefined) return;
    if (this.lastAppliedId !== null && event.id <= this.lastAppliedId) return;
    this.applyEvent(connection, event, event.id);
  }

  private firstDelivery(connection: Connection): void {
    connection.delivered = true;
    this.tries = 0;
    if (connection.background) {
      connection.background = false;
      this.stopPolling();
    }
    this.connectionState.set('live');
  }

  private applySnapshot(events: StreamEvent[], id: number): void {
    const blank = seedWorkflow({
      id: this.workflowId,
      name: '',
      createdAt: '',
      maxIterations: 1,
      budgetLimit: null,
      agents: [],
    });
    const view: WorkflowDetail = { ...foldWorkflow(blank, events), lastEventId: id };
    const lines: LogEntry[] = [];
    for (const event of events) {
      if (event.type === 'log:created') lines.push(logEntry(`snapshot:${id}:${lines.length}`, event.data));
    }
    const sentAt = Date.parse(events[0].data.ts);
    if (!Number.isNaN(sentAt)) this.clockSkewMs = Date.now() - sentAt;
    this.streamView = view;
    this.lastAppliedId = id;
    this.log.replaceWithSnapshot(lines, id);
    this.show(view);
  }

  private applyEvent(connection: Connection, event: StreamEvent, id: number): void {
    const base =
      this.streamView ??
      seedWorkflow({
        id: this.workflowId,
        name: '',
        createdAt: '',
        maxIterations: 1,
        budgetLimit: null,
        agents: [],
      });
    const view = reduceWorkflow(base, event);
    this.streamView = view;
    this.lastAppliedId = id;
    const lines = logEntriesOf(event, id);
    this.log.append(lines);
    this.show(view);
    this.appliedSubject.next({ ...event, id });
    if (this.isLive(connection, event)) this.notify(view, event);
  }

  /** Shows the stream's state, unless a poll showed a newer one that the resumed stream has not reached. */
  private show(view: WorkflowDetail): void {
    if (this.polledView !== null && view.lastEventId < this.polledView.lastEventId) return;
    this.polledView = null;
    this.viewState.set(view);
  }

  /** A replay of what happened before this connection opened is history, not news. */
  private isLive(connection: Connection, event: StreamEvent): boolean {
    if (!connection.replaying) return true;
    const at = Date.parse(event.data.ts);
    return Number.isNaN(at) || at >= connection.openedAt;
  }

  private notify(view: WorkflowDetail, event: StreamEvent): void {
    const name = view.name || 'The workflow';
    switch (event.type) {
      case 'workflow:completed':
        this.noticeSubject.next({
          kind: 'completed',
          message: `${name} completed (${usd(view.totalCost)}).`,
        });
        return;
      case 'workflow:failed':
        this.noticeSubject.next({ kind: 'failed', message: `${name} failed: ${event.data.error}` });
        return;
      case 'workflow:cancelled':
        this.noticeSubject.next({ kind: 'cancelled', message: `${name} was cancelled.` });
        return;
      case 'budget:warning':
        this.noticeSubject.next({ kind: 'budget-warning', message: budgetMessage(name, event.data) });
        return;
      default:
        return;
    }
  }

  // ------------------------------------------------------------------------------------------------------
  // Polling
  // ------------------------------------------------------------------------------------------------------

  private startPolling(): void {
    this.polling = true;
    this.connectionState.set('polling');
    void this.poll(this.pollGeneration);
    if (this.createEventSource !== null) {
      this.scheduleConnect(jittered(STREAM_TIMING.backgroundRetryMs, this.random), true);
    }
  }

  private stopPolling(): void {
    this.polling = false;
    this.pollGeneration++;
    if (this.pollTimer !== undefined) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }

  private async probeGone(): Promise<void> {
    try {
      await this.fetchDetail(this.workflowId);
    } catch (error) {
      if (isNotFound(error) && !this.closed) this.markGone();
    }
  }

  /** Deleted (by this page, another tab, the CLI or retention): nothing more to show or to ask for. */
  private markGone(): void {
    this.goneState.set(true);
    this.finish();
  }

  private async poll(generation: number): Promise<void> {
    this.pollTimer = undefined;
    try {
      const detail = await this.fetchDetail(this.workflowId);
      if (generation !== this.pollGeneration) return;
      // Shown as is; the stream's own state and id stay, so that it later resumes without losing log lines.
      this.polledView = detail;
      this.viewState.set(detail);
      if (isTerminalStatus(detail.status)) {
        this.finish();
        return;
      }
    } catch (error) {
      // A failed poll is tried again at the next tick (a 401 is handled by the HTTP layer); a 404 is final.
      if (generation !== this.pollGeneration) return;
      if (isNotFound(error)) {
        this.markGone();
        return;
      }
    }
    this.pollTimer = setTimeout(() => void this.poll(generation), STREAM_TIMING.pollMs);
  }

  private clearRetry(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}

/** An HTTP answer of 404 (Angular's HttpErrorResponse, or anything with that status). */
function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { status?: unknown }).status === 404;
}

function logEntry(key: string, line: LogCreatedPayload, agentName?: string): LogEntry {
  const fromMetadata = line.metadata?.['agentName'];
  const agent = agentName ?? (typeof fromMetadata === 'string' ? fromMetadata : undefined);
  return {
    key,
    level: line.level,
    message: line.message,
    timestamp: line.timestamp,
    ...(agent === undefined ? {} : { agentName: agent }),
  };
}

/** Each line of a `log:batch` is its own entry. */
function logEntriesOf(event: StreamEvent, id: number): LogEntry[] {
  if (event.type === 'log:created') return [logEntry(`${id}:0`, event.data)];
  if (event.type === 'log:batch') {
    const agentName = event.data.agentName;
    return event.data.lines.map((line, index) => logEntry(`${id}:${index}`, line, agentName));
  }
  return [];
}

function usd(amount: number): string {
  return `$${amount.toFixed(2)}`;
}

function budgetMessage(name: string, data: BudgetPayload): string {
  return `${name} has used ${Math.round(data.percentageUsed)} % of its ${usd(data.budgetLimit)} budget.`;
}
