import type { ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import type { Principal } from '@flowcast/api-auth';
import { EventsRepository, eventFrame, retryFrame, WorkflowHub } from '@flowcast/api-workflows-data-access';
import {
  isTerminalEventType,
  isTerminalStatus,
  LogBatchPayload,
  LogCreatedPayload,
  parseEventId,
  parseTypeFilter,
  SNAPSHOT_LOG_LINES,
  snapshotEvents,
  StreamResetPayload,
  TypeFilter,
  WorkflowDetail,
} from '@flowcast/shared-contract';
import { WorkflowsService } from '../workflows.service';
import { releaseRoutingState } from './release-routing-state';
import { SseConnection } from './sse-connection';
import { StreamRegistry } from './stream-registry';

export interface StreamRequest {
  /** Only GET opens a stream (Express would also route a HEAD here). */
  method: string;
  workflowId: string;
  /** The `Last-Event-ID` header, which wins over the query parameter. */
  lastEventIdHeader?: string;
  lastEventIdQuery?: string;
  types?: string;
  principal: Principal;
}

type StreamPlan =
  | { kind: 'snapshot'; current: WorkflowDetail; reset?: StreamResetPayload }
  | { kind: 'replay'; current: WorkflowDetail; after: number }
  /** A finished workflow with nothing after the cursor that passes the filter: 204. */
  | { kind: 'no-content' }
  /** The server is shutting down: a retry hint and a normal close. */
  | { kind: 'closing' };

/** Events read from the store per replay page. */
const REPLAY_PAGE = 250;

/**
 * Opens a workflow's stream (CONTRACT §4): a snapshot for a new client, or a replay of everything after
 * its last event id, then live events. The stream subscribes to the workflow's live events *before* it
 * reads anything from the store and holds them back until what it read is written, so an event stored in
 * between is delivered exactly once (the connection skips ids it has already written), and the one read
 * that checks access is also the snapshot's state.
 *
 * Refusals before the first stream byte are thrown (the exception filters answer them as JSON); a failure
 * after it ends the stream as a normal close after a `retry:` line, so that EventSource resumes by id.
 */
@Injectable()
export class WorkflowStreamService {
  private readonly logger = new Logger(WorkflowStreamService.name);

  constructor(
    @Inject(EventsRepository) private readonly events: EventsRepository,
    @Inject(WorkflowHub) private readonly hub: WorkflowHub,
    @Inject(StreamRegistry) private readonly registry: StreamRegistry,
    @Inject(WorkflowsService) private readonly access: WorkflowsService,
  ) {}

  async open(res: ServerResponse, request: StreamRequest): Promise<void> {
    if (request.method !== 'GET') throw new NotFoundException();
    // `types` was validated by StreamQueryDto (a bad pattern is its 400).
    const filter = parseTypeFilter(request.types);
    const connection = this.registry.create(res, request.workflowId, request.principal, filter);
    connection.listen(this.hub);
    let plan: StreamPlan;
    try {
      // In a cluster, the first listener of a workflow here waits for its Redis subscription (once).
      const live = this.hub.whenLive(request.workflowId);
      if (live) await live;
      plan = await this.plan(request, filter);
      if (!connection.isOpen) return; // the client hung up meanwhile: nothing to answer, nothing to count
      if (plan.kind === 'closing' || plan.kind === 'no-content') {
        connection.abandon();
        this.answerWithoutStream(res, plan.kind);
        return;
      }
      if (!(await this.registry.admit(res, connection))) return;
    } catch (error) {
      connection.abandon();
      throw error;
    }
    this.registry.counters.resumes[plan.kind === 'replay' ? 'replayed' : plan.reset ? 'reset' : 'snapshot']++;
    connection.begin();
    releaseRoutingState(res);
    try {
      if (plan.kind === 'replay') await this.replayThenLive(connection, plan.current, plan.after, filter);
      else await this.snapshotThenLive(connection, plan.current, plan.reset);
    } catch (error) {
      this.logger.error(
        `Stream of ${request.workflowId} ended by an error: ${(error as Error)?.stack ?? String(error)}`,
      );
      connection.endEarly('error');
    }
  }

  /** What the stream will be, from the workflow's state read after the stream started listening. */
  private async plan(request: StreamRequest, filter: TypeFilter | null): Promise<StreamPlan> {
    const current = await this.access.assertVisible(request.workflowId, request.principal);
    if (this.registry.isClosing) return { kind: 'closing' };
    const rawCursor = request.lastEventIdHeader ?? request.lastEventIdQuery;
    if (rawCursor === undefined) return { kind: 'snapshot', current };
    const after = parseEventId(rawCursor.trim());
    if (after === null || after > current.lastEventId) {
      return {
        kind: 'snapshot',
        current,
        reset: { requestedId: rawCursor, latestId: current.lastEventId, reason: 'unknown-id' },
      };
    }
    const finished = isTerminalStatus(current.status);
    if (finished && !(await this.anyAfter(request.workflowId, after, current.lastEventId, filter))) {
      return { kind: 'no-content' };
    }
    return { kind: 'replay', current, after };
  }

  private answerWithoutStream(res: ServerResponse, kind: 'closing' | 'no-content'): void {
    if (kind === 'no-content') {
      // A finished workflow with nothing newer: 204 tells EventSource to stop reconnecting.
      res.writeHead(204).end();
      this.registry.counters.resumes.no_content++;
      return;
    }
    // Shutting down: a normal close with a retry hint sends EventSource to another instance.
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' });
    res.end(retryFrame(1_000));
  }

  private async replayThenLive(
    connection: SseConnection,
    current: WorkflowDetail,
    after: number,
    filter: TypeFilter | null,
  ): Promise<void> {
    connection.lastId = after;
    const sawEnd = await this.replay(connection, current.id, filter);
    connection.goLive();
    if (isTerminalStatus(current.status) || sawEnd) connection.finishSoon();
  }

  private async snapshotThenLive(
    connection: SseConnection,
    view: WorkflowDetail,
    reset: StreamResetPayload | undefined,
  ): Promise<void> {
    const ts = new Date().toISOString();
    let text = '';
    let count = 0;
    if (reset) {
      text += eventFrame('stream:reset', JSON.stringify({ ...reset, workflowId: view.id, ts }));
      count++;
    }
    const frames = snapshotEvents(view, ts).map((event) => ({
      type: event.type,
      data: JSON.stringify(event.data),
    }));
    const all = [...frames, ...(await this.latestLogFrames(view))];
    all.forEach((frame, index) => {
      text += eventFrame(frame.type, frame.data, index === all.length - 1 ? view.lastEventId : undefined);
    });
    connection.write(text, count + all.length);
    connection.lastId = view.lastEventId;
    connection.goLive();
    if (isTerminalStatus(view.status)) connection.finishSoon();
  }

  /** Writes stored events after `connection.lastId`, page by page, pausing while the client's queue is full. */
  private async replay(
    connection: SseConnection,
    workflowId: string,
    filter: TypeFilter | null,
  ): Promise<boolean> {
    let sawEnd = false;
    for (;;) {
      let count: number;
      let written: number;
      let chunk: string;
      if (filter === null) {
        // Unfiltered (the common case): the page's frames come from the store ready-made.
        const page = await this.events.readFramesAfter(workflowId, connection.lastId, REPLAY_PAGE);
        ({ count, frames: chunk } = page);
        written = count;
        sawEnd ||= page.terminal;
        if (count > 0) connection.lastId = page.lastSeq;
      } else {
        const rows = await this.events.readAfter(workflowId, connection.lastId, REPLAY_PAGE);
        count = rows.length;
        written = 0;
        chunk = '';
        for (const row of rows) {
          sawEnd ||= isTerminalEventType(row.type);
          if (!filter(row.type)) continue;
          chunk += eventFrame(row.type, row.data, row.seq);
          written++;
        }
        if (count > 0) connection.lastId = rows[count - 1].seq;
      }
      if (count === 0 || !connection.isOpen) return sawEnd;
      if (written > 0 && !connection.write(chunk, written)) await connection.drained();
      if (count < REPLAY_PAGE) return sawEnd;
    }
  }

  /** Whether any stored event in (after, upTo] passes the filter. */
  private async anyAfter(
    workflowId: string,
    after: number,
    upTo: number,
    filter: TypeFilter | null,
  ): Promise<boolean> {
    if (after >= upTo) return false;
    if (filter === null) return true;
    for (let cursor = after; ; ) {
      const rows = await this.events.readAfter(workflowId, cursor, REPLAY_PAGE);
      if (rows.some((row) => filter(row.type))) return true;
      if (rows.length < REPLAY_PAGE) return false;
      cursor = rows[rows.length - 1].seq;
    }
  }

  /** The last 50 log lines of the view, each as a log:created event (a batch's lines one by one). */
  private async latestLogFrames(view: WorkflowDetail): Promise<{ type: string; data: string }[]> {
    if (view.lastEventId === 0) return []; // nothing stored yet
    const rows = await this.events.readLatestLogEvents(view.id, view.lastEventId, SNAPSHOT_LOG_LINES);
    const lines: { type: string; data: string }[] = [];
    for (const row of rows.reverse()) {
      if (row.type === 'log:created') {
        lines.push({ type: 'log:created', data: row.data });
        continue;
      }
      const batch = JSON.parse(row.data) as LogBatchPayload & { workflowId: string; ts: string };
      for (const line of batch.lines) {
        const payload: LogCreatedPayload & { workflowId: string; ts: string } = {
          ...line,
          workflowId: batch.workflowId,
          ts: batch.ts,
        };
        lines.push({ type: 'log:created', data: JSON.stringify(payload) });
      }
    }
    return lines.slice(-SNAPSHOT_LOG_LINES);
  }
}
