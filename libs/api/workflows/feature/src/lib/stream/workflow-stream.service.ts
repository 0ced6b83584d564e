import type { ServerResponse } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { badRequest } from '@flowcast/api-core';
import type { Principal } from '@flowcast/api-auth';
import {
  EventsRepository,
  eventFrame,
  retryFrame,
  WorkflowHub,
  WorkflowsRepository,
} from '@flowcast/api-workflows-data-access';
import {
  isTerminalEventType,
  isTerminalStatus,
  LogBatchPayload,
  LogCreatedPayload,
  parseEventId,
  parseTypeFilter,
  snapshotEvents,
  StreamResetPayload,
  TypeFilter,
  TypeFilterError,
  WorkflowDetail,
} from '@flowcast/shared-contract';
import { WorkflowsService } from '../workflows.service';
import { SseConnection } from './sse-connection';
import { StreamRegistry } from './stream-registry';

export interface StreamRequest {
  workflowId: string;
  /** The `Last-Event-ID` header, which wins over the query parameter. */
  lastEventIdHeader?: string;
  lastEventIdQuery?: string;
  types?: string;
  principal: Principal;
}

/** Log lines the snapshot carries (CONTRACT §4). */
const SNAPSHOT_LOG_LINES = 50;
/** Events read from the store per replay page. */
const REPLAY_PAGE = 250;

/**
 * Opens a workflow's stream (CONTRACT §4): a snapshot for a new client, or a replay of everything after
 * its last event id, then live events. Live events are subscribed to *before* the store is read and held
 * back until the read is written, so an event stored in between is delivered exactly once (the
 * connection skips ids it has already written).
 */
@Injectable()
export class WorkflowStreamService {
  constructor(
    @Inject(WorkflowsRepository) private readonly workflows: WorkflowsRepository,
    @Inject(EventsRepository) private readonly events: EventsRepository,
    @Inject(WorkflowHub) private readonly hub: WorkflowHub,
    @Inject(StreamRegistry) private readonly registry: StreamRegistry,
    @Inject(WorkflowsService) private readonly access: WorkflowsService,
  ) {}

  async open(res: ServerResponse, request: StreamRequest): Promise<void> {
    const filter = this.parseFilter(request.types);
    const current = await this.access.assertVisible(request.workflowId, request.principal);

    if (this.registry.isClosing) {
      // Shutting down: a normal close with a retry hint sends EventSource to another instance.
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' });
      res.end(retryFrame(1_000));
      return;
    }

    const rawCursor = request.lastEventIdHeader ?? request.lastEventIdQuery;
    let reset: StreamResetPayload | undefined;
    if (rawCursor !== undefined) {
      const after = parseEventId(rawCursor.trim());
      if (after !== null && after <= current.lastEventId) {
        await this.resume(res, request, current, after, filter);
        return;
      }
      reset = { requestedId: rawCursor, latestId: current.lastEventId, reason: 'unknown-id' };
    }
    await this.snapshot(res, request, current, filter, reset);
  }

  private async resume(
    res: ServerResponse,
    request: StreamRequest,
    current: WorkflowDetail,
    after: number,
    filter: TypeFilter | null,
  ): Promise<void> {
    const finished = isTerminalStatus(current.status);
    if (finished && !(await this.anyAfter(request.workflowId, after, current.lastEventId, filter))) {
      // Nothing more will ever come: 204 tells EventSource to stop reconnecting.
      res.writeHead(204).end();
      this.registry.counters.resumes.no_content++;
      return;
    }
    const connection = this.registry.admit(res, request.workflowId, request.principal, filter);
    this.registry.counters.resumes.replayed++;
    connection.begin();
    if (!finished) connection.listen(this.hub);
    connection.lastId = after;
    const sawEnd = await this.replay(connection, request.workflowId, filter);
    connection.goLive();
    if (finished || sawEnd) connection.finishSoon();
  }

  private async snapshot(
    res: ServerResponse,
    request: StreamRequest,
    current: WorkflowDetail,
    filter: TypeFilter | null,
    reset: StreamResetPayload | undefined,
  ): Promise<void> {
    const connection = this.registry.admit(res, request.workflowId, request.principal, filter);
    this.registry.counters.resumes[reset ? 'reset' : 'snapshot']++;
    connection.begin();
    const ts = new Date().toISOString();
    if (reset) {
      connection.write(
        eventFrame('stream:reset', JSON.stringify({ ...reset, workflowId: request.workflowId, ts })),
        1,
      );
    }
    let view = current;
    if (!isTerminalStatus(current.status)) {
      connection.listen(this.hub);
      // Read again now that live events are held: everything after this view's id will reach the connection.
      view = (await this.workflows.findView(request.workflowId)) ?? current;
    }
    const frames = snapshotEvents(view, ts).map((event) => ({
      type: event.type,
      data: JSON.stringify(event.data),
    }));
    const logFrames = await this.latestLogFrames(request.workflowId, view.lastEventId);
    const all = [...frames, ...logFrames];
    let chunk = '';
    all.forEach((frame, index) => {
      chunk += eventFrame(frame.type, frame.data, index === all.length - 1 ? view.lastEventId : undefined);
    });
    connection.write(chunk, all.length);
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

  /** The last 50 log lines up to `upTo`, each as a log:created event (a batch's lines one by one). */
  private async latestLogFrames(workflowId: string, upTo: number): Promise<{ type: string; data: string }[]> {
    const rows = await this.events.readLatestLogEvents(workflowId, upTo, SNAPSHOT_LOG_LINES);
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

  private parseFilter(types: string | undefined): TypeFilter | null {
    try {
      return parseTypeFilter(types);
    } catch (error) {
      if (error instanceof TypeFilterError) throw badRequest([{ field: 'types', errors: [error.message] }]);
      throw error;
    }
  }
}
