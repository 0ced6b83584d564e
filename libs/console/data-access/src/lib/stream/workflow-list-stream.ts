import { signal, type Signal } from '@angular/core';
import {
  apiPaths,
  applyListEvent,
  WORKFLOW_LIST_EVENT_TYPES,
  type WorkflowListEvent,
  type WorkflowListEventType,
  type WorkflowListResponse,
  type WorkflowState,
  type ConnectionState,
} from '@flowcast/shared-contract';
import { type EventSourceFactory, type EventSourceLike, type StreamMessage } from './event-source';
import { jittered, retryDelay, STREAM_TIMING, StallTimer } from './reconnection';

/** `GET /api/workflows/stream` (the contract has no route constant for it yet). */
export const WORKFLOW_LIST_STREAM_PATH = `${apiPaths.workflows}/stream`;

export interface WorkflowListStreamOptions {
  /** Creates the EventSource; null where the browser has none (the client then only polls). */
  createEventSource: EventSourceFactory | null;
  /** `GET /api/workflows` without a cursor: the first page, for the polling fallback. */
  fetchFirstPage: () => Promise<WorkflowListResponse>;
  /** The server's `SSE_HEARTBEAT_MS`. */
  heartbeatMs?: number;
  /** For the backoff's jitter; fixed in tests. */
  random?: () => number;
}

/** One EventSource, from creation to close. */
interface Connection {
  readonly source: EventSourceLike;
  /** `lastEventId` as of the previous event: a change means the event carried an `id:` line. */
  lastSeenId: string;
  /** A try made while polling: it takes over only once it delivers an event. */
  background: boolean;
  delivered: boolean;
  /** The server answered it (200): a later silence is a quiet stream more likely than a dead one. */
  opened: boolean;
}

/**
 * The workflows the caller may see, kept current from `GET /api/workflows/stream`: every event is folded
 * with the contract's `applyListEvent`, a lost connection is resumed from the last id with backoff, a silent
 * one is taken for dead, and after five failed tries the client polls the first page of `GET
 * /api/workflows` while it keeps trying the stream in the background. The list stream never ends by itself,
 * so this runs until `close()`.
 *
 * Same timing and connection states as `WorkflowStream`; framework-light like it (signals, global timers).
 */
export class WorkflowListStream {
  private readonly itemsState = signal<WorkflowState[] | null>(null);
  private readonly nextCursorState = signal<string | null>(null);
  private readonly connectionState = signal<ConnectionState>('offline');

  /** Newest first; null until the first `workflow:list` (or poll) has arrived. */
  readonly items: Signal<WorkflowState[] | null> = this.itemsState.asReadonly();
  /** `GET /api/workflows?cursor=` for what is older than the first page, as the last page said. */
  readonly nextCursor: Signal<string | null> = this.nextCursorState.asReadonly();
  readonly connection: Signal<ConnectionState> = this.connectionState.asReadonly();

  private readonly createEventSource: EventSourceFactory | null;
  private readonly fetchFirstPage: () => Promise<WorkflowListResponse>;
  private readonly random: () => number;
  private readonly stallTimer: StallTimer;

  private current: Connection | null = null;
  /** The id of the last event that carried one: where the next EventSource resumes. Null: a fresh list. */
  private lastId: string | null = null;
  /** Consecutive reconnection tries that were not answered (reset by an open connection or an event). */
  private tries = 0;
  private polling = false;
  /** Bumped whenever polling stops, so that an answer still on its way is ignored. */
  private pollGeneration = 0;
  private started = false;
  private closed = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: WorkflowListStreamOptions) {
    this.createEventSource = options.createEventSource;
    this.fetchFirstPage = options.fetchFirstPage;
    this.random = options.random ?? Math.random;
    this.stallTimer = new StallTimer(options.heartbeatMs ?? STREAM_TIMING.heartbeatMs);
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
  }

  // ------------------------------------------------------------------------------------------------------
  // Connections
  // ------------------------------------------------------------------------------------------------------

  /** `quiet`: a refresh of a connection that was live; the state stays `live` unless it fails. */
  private connect(background: boolean, quiet = false): void {
    const factory = this.createEventSource;
    if (factory === null || this.closed) return;
    // A new EventSource does not know the last id, so the cursor goes in the query.
    const url =
      WORKFLOW_LIST_STREAM_PATH +
      (this.lastId === null ? '' : `?lastEventId=${encodeURIComponent(this.lastId)}`);
    const source = factory(url, { withCredentials: true });
    const connection: Connection = { source, lastSeenId: '', background, delivered: false, opened: false };
    this.current = connection;
    if (!background && !quiet) this.connectionState.set('reconnecting');
    source.addEventListener('open', () => this.onOpen(connection));
    source.addEventListener('error', () => this.onError(connection));
    for (const type of WORKFLOW_LIST_EVENT_TYPES) {
      source.addEventListener(type, (message) => this.onMessage(connection, type, message));
    }
    this.armStallTimer(connection);
  }

  private onOpen(connection: Connection): void {
    if (connection !== this.current) return;
    connection.opened = true;
    if (!connection.background) {
      this.connectionState.set('live');
      // An answered connection is not a failed try: a quiet list that the stall detector keeps
      // reconnecting must never count down to polling.
      this.tries = 0;
    }
    this.armStallTimer(connection);
  }

  /**
   * Any error ends this EventSource (a server close with `retry:` as much as a non-200 answer): a native
   * one would retry on its own schedule, without backoff, or give up for good. This class decides.
   */
  private onError(connection: Connection): void {
    if (connection !== this.current) return;
    this.connectionLost(connection);
  }

  private connectionLost(connection: Connection): void {
    this.closeSource();
    if (connection.background || this.polling) {
      this.scheduleConnect(jittered(STREAM_TIMING.backgroundRetryMs, this.random), true);
      return;
    }
    if (this.tries >= STREAM_TIMING.maxTries) {
      this.startPolling();
      return;
    }
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

  /** A quiet list costs a resumed connection now and then (see StallTimer). */
  private armStallTimer(connection: Connection): void {
    if (this.closed) return;
    this.stallTimer.arm(() => {
      if (connection !== this.current) return;
      if (connection.opened && !connection.background) this.refresh();
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

  // ------------------------------------------------------------------------------------------------------
  // Events
  // ------------------------------------------------------------------------------------------------------

  private onMessage(connection: Connection, type: WorkflowListEventType, message: StreamMessage): void {
    if (connection !== this.current) return;
    // `lastEventId` persists across events without an `id:` line, so only a change says this one had one.
    const carriesId = message.lastEventId !== connection.lastSeenId;
    connection.lastSeenId = message.lastEventId;
    let data: unknown;
    try {
      data = JSON.parse(message.data);
    } catch {
      return;
    }
    const event = { type, data, ...(carriesId ? { id: message.lastEventId } : {}) } as WorkflowListEvent;

    this.armStallTimer(connection);
    if (!connection.delivered) this.firstDelivery(connection);

    if (event.type === 'stream:reset') {
      // The server cannot resume from our id; the `workflow:list` that follows replaces the list. Until it
      // has come, a lost connection asks for a fresh one.
      this.lastId = null;
      return;
    }
    if (event.id !== undefined) this.lastId = event.id;
    // Replaying a `workflow:created` or `workflow:updated` twice gives the same list, so nothing is dropped.
    this.itemsState.update((items) => applyListEvent(items ?? [], event));
    if (event.type === 'workflow:list') this.nextCursorState.set(event.data.nextCursor);
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

  // ------------------------------------------------------------------------------------------------------
  // Polling
  // ------------------------------------------------------------------------------------------------------

  private startPolling(): void {
    this.polling = true;
    // The polled page replaces what the stream built, and opaque ids cannot say which of the two is newer:
    // the stream is tried again without a cursor, and its fresh `workflow:list` replaces the polled page.
    this.lastId = null;
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

  private async poll(generation: number): Promise<void> {
    this.pollTimer = undefined;
    try {
      const page = await this.fetchFirstPage();
      if (generation !== this.pollGeneration) return;
      this.itemsState.set(page.items);
      this.nextCursorState.set(page.nextCursor);
    } catch {
      // A failed poll is tried again at the next tick (a 401 is handled by the HTTP layer).
      if (generation !== this.pollGeneration) return;
    }
    this.pollTimer = setTimeout(() => void this.poll(generation), STREAM_TIMING.pollMs);
  }

  private clearRetry(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}
