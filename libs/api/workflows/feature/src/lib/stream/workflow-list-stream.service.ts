import type { ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { isAdmin, type Principal } from '@flowcast/api-auth';
import {
  ALL_WORKFLOWS_KEY,
  eventFrame,
  ownerKey,
  retryFrame,
  WorkflowListFeed,
} from '@flowcast/api-workflows-data-access';
import type { ListStreamResetPayload, WorkflowListResponse } from '@flowcast/shared-contract';
import { WorkflowsService } from '../workflows.service';
import { releaseRoutingState } from './release-routing-state';
import { StreamRegistry } from './stream-registry';

export interface ListStreamRequest {
  method: string;
  lastEventIdHeader?: string;
  lastEventIdQuery?: string;
  principal: Principal;
}

/**
 * Opens the workflows list stream (docs/stream-protocol.md, "The list stream"): the caller's first page of
 * workflows as one `workflow:list` event, or, resuming after an id this process issued and still keeps, the
 * changes since; then every change live. Like a workflow's stream, it listens before it reads, holds live
 * changes back until what it read is written, and skips what it has written already; the registry admits it
 * under the same caps, heartbeats it, ends it at its lifetime and when its credential is revoked.
 */
@Injectable()
export class WorkflowListStreamService {
  private readonly logger = new Logger(WorkflowListStreamService.name);

  constructor(
    @Inject(WorkflowListFeed) private readonly feed: WorkflowListFeed,
    @Inject(StreamRegistry) private readonly registry: StreamRegistry,
    @Inject(WorkflowsService) private readonly workflows: WorkflowsService,
  ) {}

  async open(res: ServerResponse, request: ListStreamRequest): Promise<void> {
    if (request.method !== 'GET') throw new NotFoundException();
    const { principal } = request;
    const key = isAdmin(principal) ? ALL_WORKFLOWS_KEY : ownerKey(principal.userId);
    const connection = this.registry.create(res, key, principal, null, 'the workflows list');
    connection.listen(this.feed);
    const rawCursor = request.lastEventIdHeader ?? request.lastEventIdQuery;
    const resumeAfter = rawCursor === undefined ? null : this.feed.resumable(rawCursor.trim());
    // Changes from here on are live (held until the first write); the page read below may show some of them.
    const at = this.feed.seq;
    let page: WorkflowListResponse | null = null;
    try {
      if (resumeAfter === null) page = await this.workflows.list(principal, {});
      if (!connection.isOpen) return;
      if (this.registry.isClosing) {
        connection.abandon();
        res.writeHead(200, {
          'Content-Type': 'text/event-stream; charset=utf-8',
          'Cache-Control': 'no-cache',
        });
        res.end(retryFrame(1_000));
        return;
      }
      if (!(await this.registry.admit(res, connection))) return;
    } catch (error) {
      connection.abandon();
      throw error;
    }
    this.registry.counters.resumes[
      resumeAfter !== null ? 'replayed' : rawCursor !== undefined ? 'reset' : 'snapshot'
    ]++;
    connection.begin();
    releaseRoutingState(res);
    try {
      if (resumeAfter !== null) {
        // Every kept change after the cursor, in order; live ones held meanwhile are skipped up to the last.
        let text = '';
        let count = 0;
        let last = resumeAfter;
        for (const batch of this.feed.changesAfter(resumeAfter, key)) {
          text += batch.frames;
          count++;
          last = batch.lastId;
        }
        if (count > 0) connection.write(text, count);
        connection.lastId = last;
      } else {
        const ts = new Date().toISOString();
        let text = '';
        let count = 0;
        if (rawCursor !== undefined) {
          const reset: ListStreamResetPayload = {
            requestedId: rawCursor,
            latestId: this.feed.idOf(at),
            reason: 'unknown-id',
          };
          text += eventFrame('stream:reset', JSON.stringify({ ...reset, ts }));
          count++;
        }
        text += eventFrame('workflow:list', JSON.stringify({ ...page, ts }), this.feed.idOf(at));
        connection.write(text, count + 1);
        connection.lastId = at;
      }
      connection.goLive();
    } catch (error) {
      this.logger.error(`The list stream ended by an error: ${(error as Error)?.stack ?? String(error)}`);
      connection.endEarly('error');
    }
  }
}
