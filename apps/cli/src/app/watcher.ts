import {
  apiPaths,
  isTerminalEventType,
  parseEventId,
  reduceWorkflow,
  seedWorkflow,
  SNAPSHOT_EVENT_TYPES,
  STORED_EVENT_TYPES,
  type StreamEvent,
  type WorkflowDetail,
  type WorkflowEventType,
} from '@flowcast/shared-contract';
import { EventSource, type FetchLikeResponse } from 'eventsource';
import { backoffDelay } from './backoff';
import { CliError } from './exit-codes';
import { UnreachableError, type HttpClient } from './http-client';

export interface WatchOptions {
  client: HttpClient;
  workflowId: string;
  /** Failed attempts in a row (connection refused, stream dropped) before the watch gives up. */
  retries: number;
  /** Every event applied, once, in id order, with the state it leads to. */
  onEvent(event: StreamEvent, view: WorkflowDetail): void;
  /** Connection trouble worth telling the user about (not part of the workflow's output). */
  onNotice(message: string): void;
  backoff?: (attempt: number) => number;
  /** A stream silent this long is taken for dead (a half-open connection sends no error, only nothing). */
  idleTimeoutMs?: number;
}

/** Three of the server's default heartbeats (`SSE_HEARTBEAT_MS`, 15 s), as the console counts. */
export const IDLE_TIMEOUT_MS = 45_000;

/** What ends a connection: an HTTP status where there was an answer, and what happened. */
interface Drop {
  code?: number;
  message?: string;
}

/** Every event type a workflow's stream can carry: EventSource delivers only the types it listens to. */
const STREAM_EVENT_TYPES: readonly WorkflowEventType[] = [
  ...STORED_EVENT_TYPES,
  ...SNAPSHOT_EVENT_TYPES,
  'stream:reset',
];

/** Answers on which retrying cannot help: bad id, bad credentials, someone else's workflow. */
const FATAL_STATUSES = [400, 401, 403, 404];

/**
 * Follows a workflow from its first event to its final one and resolves with its final state. It asks for
 * `Last-Event-ID: 0` (every stored event, no snapshot), so each line of the history arrives once; after a
 * drop it reconnects with backoff and resumes after the last event it applied, dropping anything it has
 * already seen. Rejects with a CliError when the server cannot be reached after `retries` tries.
 */
export async function watchWorkflow(options: WatchOptions): Promise<WorkflowDetail> {
  const watch = new StreamWatch(options);
  return watch.run();
}

class StreamWatch {
  private view!: WorkflowDetail;
  private lastId = 0;
  private failures = 0;
  private source: EventSource | undefined;
  private timer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private settle!: { resolve(view: WorkflowDetail): void; reject(error: Error): void };
  private settled = false;
  private readonly backoff: (attempt: number) => number;
  private readonly idleTimeoutMs: number;

  constructor(private readonly options: WatchOptions) {
    this.backoff = options.backoff ?? backoffDelay;
    this.idleTimeoutMs = options.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
  }

  async run(): Promise<WorkflowDetail> {
    const detail = await this.fetchDetail();
    // The history is folded from the start, so the state starts from the definition's seed.
    this.view = seedWorkflow({
      id: detail.id,
      name: detail.name,
      createdAt: detail.createdAt,
      maxIterations: detail.maxIterations,
      budgetLimit: detail.budgetLimit,
      agents: detail.agents.map(({ agentName, agentRole }) => ({ agentName, agentRole })),
    });
    return new Promise<WorkflowDetail>((resolve, reject) => {
      this.settle = { resolve, reject };
      this.connect();
    });
  }

  /** `GET /api/workflows/:id`, retried like the stream while the server cannot be reached. */
  private async fetchDetail(): Promise<WorkflowDetail> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.options.client.get(this.options.workflowId);
      } catch (error) {
        if (!(error instanceof UnreachableError) || attempt > this.options.retries) throw error;
        const delay = this.backoff(attempt);
        this.options.onNotice(
          `${error.message}; retrying in ${seconds(delay)} (${attempt}/${this.options.retries})`,
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private connect(): void {
    const { client, workflowId } = this.options;
    const auth = client.authHeaders();
    // Our own cursor, not the library's: it is the last event applied, which is what must not repeat.
    const source = new EventSource(client.url(apiPaths.stream(workflowId)), {
      fetch: async (input, init) =>
        this.watchActivity(
          await fetch(input, {
            ...init,
            headers: { ...init.headers, ...auth, 'Last-Event-ID': String(this.lastId) },
          }),
        ),
    });
    source.onopen = () => (this.failures = 0);
    source.onerror = (error) => this.onError(source, error);
    for (const type of STREAM_EVENT_TYPES) {
      source.addEventListener(type, (message: MessageEvent) =>
        this.onMessage(type, message.lastEventId, String(message.data)),
      );
    }
    this.source = source;
  }

  /**
   * Passes the response on with a watchdog on its body: every chunk (heartbeat comments included, which
   * EventSource does not surface) proves the connection alive; silence past the timeout drops it.
   */
  private watchActivity(response: Response): FetchLikeResponse {
    this.armWatchdog();
    const body = response.body?.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform: (chunk, controller) => {
          this.armWatchdog();
          controller.enqueue(chunk);
        },
      }),
    );
    const { url, status, redirected, headers } = response;
    return { body: body ?? null, url, status, redirected, headers };
  }

  private armWatchdog(): void {
    clearTimeout(this.idleTimer);
    const source = this.source;
    this.idleTimer = setTimeout(() => {
      if (source) this.onError(source, { message: `no data for ${seconds(this.idleTimeoutMs)}` });
    }, this.idleTimeoutMs);
  }

  private onMessage(type: WorkflowEventType, eventId: string, data: string): void {
    if (this.settled) return;
    const id = eventId === '' ? undefined : (parseEventId(eventId) ?? undefined);
    const event = { type, id, data: JSON.parse(data) } as StreamEvent;
    if (event.type === 'stream:reset') {
      // The server could not resume after our id (its store was replaced): the snapshot that follows
      // replaces the state, and its cursor becomes ours.
      this.options.onNotice(
        `the server cannot resume after event ${this.lastId}; starting from its snapshot`,
      );
      this.lastId = 0;
    } else if (event.id !== undefined && event.id <= this.lastId) {
      return;
    }
    this.view = reduceWorkflow(this.view, event);
    if (event.id !== undefined) this.lastId = event.id;
    this.options.onEvent(event, this.view);
    if (isTerminalEventType(event.type)) this.finish(this.view);
  }

  private onError(source: EventSource, error: Drop): void {
    // The library would reconnect by itself, but without our cursor, counting or backoff. It arms its
    // reconnect timer after this handler returns; closing again then clears that timer too.
    source.close();
    queueMicrotask(() => source.close());
    if (this.settled || source !== this.source) return;
    clearTimeout(this.idleTimer);
    if (error.code === 204) {
      // Finished, and nothing after our cursor: the final event was applied already (or filtered away).
      this.fetchDetail().then(
        (detail) => this.finish(detail),
        (failure: Error) => this.fail(failure),
      );
      return;
    }
    if (error.code !== undefined && FATAL_STATUSES.includes(error.code)) {
      this.fail(
        new CliError(`the server refused the stream of ${this.options.workflowId}: ${error.message}`),
      );
      return;
    }
    this.failures++;
    if (this.failures > this.options.retries) {
      this.fail(
        new CliError(
          `lost the stream of ${this.options.workflowId} after event ${this.lastId} and could not resume it ` +
            `(${this.options.retries} retries): ${error.message ?? 'connection closed'}`,
        ),
      );
      return;
    }
    const delay = this.backoff(this.failures);
    this.options.onNotice(
      `stream interrupted (${error.message ?? 'connection closed'}); resuming after event ${this.lastId} ` +
        `in ${seconds(delay)} (${this.failures}/${this.options.retries})`,
    );
    this.timer = setTimeout(() => this.connect(), delay);
  }

  private finish(view: WorkflowDetail): void {
    this.stop();
    this.settle.resolve(view);
  }

  private fail(error: Error): void {
    this.stop();
    this.settle.reject(error);
  }

  private stop(): void {
    this.settled = true;
    this.source?.close();
    clearTimeout(this.timer);
    clearTimeout(this.idleTimer);
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
