import { randomBytes } from 'node:crypto';
import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import { badRequest } from '@flowcast/api-core';
import { isAdmin, type Principal } from '@flowcast/api-auth';
import {
  EventsRepository,
  ListPosition,
  WorkflowListFeed,
  WorkflowNotFoundError,
  WorkflowsRepository,
  WorkflowStateError,
} from '@flowcast/api-workflows-data-access';
import { WorkflowEngine } from '@flowcast/api-workflows-engine';
import {
  ADMIN_ONLY_RUNNERS,
  isTerminalStatus,
  LIST_LIMIT,
  LogBatchPayload,
  LogCreatedPayload,
  PAGE_LIMIT,
  seedWorkflow,
  StoredEvent,
  WorkflowDefinition,
  WorkflowDetail,
  WorkflowEventsResponse,
  WorkflowListResponse,
  WorkflowLogItem,
  WorkflowLogsResponse,
} from '@flowcast/shared-contract';

export function newWorkflowId(): string {
  return `wf_${randomBytes(12).toString('base64url')}`;
}

@Injectable()
export class WorkflowsService {
  constructor(
    @Inject(WorkflowsRepository) private readonly workflows: WorkflowsRepository,
    @Inject(EventsRepository) private readonly eventRows: EventsRepository,
    @Inject(WorkflowEngine) private readonly engine: WorkflowEngine,
    @Inject(WorkflowListFeed) private readonly listFeed: WorkflowListFeed,
  ) {}

  /** Someone else's workflow answers exactly as a missing one, so that existence does not leak. */
  async assertVisible(id: string, principal: Principal): Promise<WorkflowDetail> {
    const found = await this.workflows.findOwnedView(id);
    if (!found || !canSee(principal, found.ownerId)) throw new WorkflowNotFoundError(id);
    return found.view;
  }

  /** Creates a workflow owned by the principal (or by no one: the demo). Shell steps are for admins only. */
  async create(
    definition: WorkflowDefinition,
    options: { principal?: Principal; start?: boolean } = {},
  ): Promise<WorkflowDetail> {
    const { principal } = options;
    if (principal && !isAdmin(principal)) {
      const refused = definition.agents.findIndex((agent) => ADMIN_ONLY_RUNNERS.includes(agent.runner.type));
      if (refused !== -1) {
        throw new ForbiddenException(
          `agents.${refused}.runner: ${definition.agents[refused].runner.type} runners need an admin`,
        );
      }
    }
    const id = newWorkflowId();
    // Keep the definition as plain data: DTO instances carry nothing the store needs.
    const plain = JSON.parse(JSON.stringify(definition)) as WorkflowDefinition;
    const view = seedWorkflow({
      id,
      name: plain.name,
      createdAt: new Date().toISOString(),
      maxIterations: plain.maxIterations ?? 1,
      budgetLimit: plain.budgetLimit ?? null,
      agents: plain.agents.map((agent) => ({ agentName: agent.name, agentRole: agent.role })),
    });
    const ownerId = principal?.userId ?? null;
    await this.workflows.insert({ id, ownerId, definition: plain, view });
    this.listFeed.created(ownerId, view);
    if (options.start) await this.engine.start(id);
    return view;
  }

  /**
   * A new workflow from a finished one's definition, owned by the caller, started when `start` is set (the
   * same checks as a create: shell steps need an admin). 404 for a workflow the caller cannot see, 409 for
   * one that has not finished.
   */
  async rerun(id: string, principal: Principal, start: boolean): Promise<WorkflowDetail> {
    const record = await this.workflows.findById(id);
    if (!record || !canSee(principal, record.ownerId)) throw new WorkflowNotFoundError(id);
    if (!isTerminalStatus(record.view.status)) {
      throw new WorkflowStateError(
        `workflow is ${record.view.status}; only a finished workflow can be run again`,
      );
    }
    return this.create(record.definition, { principal, start });
  }

  get(id: string, principal: Principal): Promise<WorkflowDetail> {
    return this.assertVisible(id, principal);
  }

  async start(id: string, principal: Principal): Promise<WorkflowDetail> {
    await this.assertVisible(id, principal);
    await this.engine.start(id);
    return this.assertVisible(id, principal);
  }

  async cancel(id: string, principal: Principal): Promise<WorkflowDetail> {
    await this.assertVisible(id, principal);
    await this.engine.cancel(id);
    return this.assertVisible(id, principal);
  }

  /**
   * Deletes a workflow and its events (its owner or an admin): 409 while it runs or is about to (cancel it
   * first), 404 for one the caller cannot see. Its streams end and it leaves every list, on every instance.
   */
  async remove(id: string, principal: Principal): Promise<void> {
    await this.assertVisible(id, principal);
    const result = await this.workflows.deleteIdle(id);
    if (result.outcome !== 'deleted') {
      throw result.outcome === 'missing'
        ? new WorkflowNotFoundError(id)
        : new WorkflowStateError('workflow is running or about to start; cancel it first, then delete it');
    }
    this.listFeed.deleted(result.ownerId, id);
  }

  /** A member's own workflows; an admin's list holds every workflow. */
  async list(
    principal: Principal,
    options: { limit?: number; cursor?: string },
  ): Promise<WorkflowListResponse> {
    const limit = options.limit ?? LIST_LIMIT.default;
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const ownerId = isAdmin(principal) ? undefined : principal.userId;
    const items = await this.workflows.list({ ownerId, after, limit: limit + 1 });
    const page = items.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page,
      nextCursor:
        items.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
    };
  }

  /** Stored events after `after`, `data` exactly as streamed. */
  async events(
    id: string,
    principal: Principal,
    after = 0,
    limit: number = PAGE_LIMIT.default,
  ): Promise<WorkflowEventsResponse> {
    await this.assertVisible(id, principal);
    const rows = await this.eventRows.readAfter(id, after, limit);
    return {
      items: rows.map((row) => ({ id: row.seq, type: row.type, data: JSON.parse(row.data) }) as StoredEvent),
    };
  }

  /**
   * A page of log lines, in order. `limit` counts lines; a page ends on an event boundary (it holds at least
   * one whole event, even one larger than the limit). Without `before`: the lines after the event `after`;
   * with it: the newest lines of the events before `before` (the console pages back through a long log).
   */
  async logs(
    id: string,
    principal: Principal,
    page: { after?: number; before?: number; limit?: number } = {},
  ): Promise<WorkflowLogsResponse> {
    await this.assertVisible(id, principal);
    const limit = page.limit ?? PAGE_LIMIT.default;
    if (page.before !== undefined) return { items: await this.logsBefore(id, page.before, limit) };
    const items: WorkflowLogItem[] = [];
    let cursor = page.after ?? 0;
    for (;;) {
      const rows = await this.eventRows.readLogEventsAfter(id, cursor, limit);
      for (const row of rows) {
        if (items.length > 0 && items.length + row.lines > limit) return { items };
        items.push(...logItems(row.seq, row.type, row.data));
        cursor = row.seq;
      }
      if (rows.length < limit || items.length >= limit) return { items };
    }
  }

  /**
   * Every log line of a workflow, oldest first, a page of events at a time (for the plain-text download:
   * memory stays one page whatever the log's size). Visibility is checked before the first line.
   */
  async *allLogLines(id: string, principal: Principal): AsyncGenerator<WorkflowLogItem[]> {
    await this.assertVisible(id, principal);
    let cursor = 0;
    for (;;) {
      const rows = await this.eventRows.readLogEventsAfter(id, cursor, PAGE_LIMIT.max);
      if (rows.length === 0) return;
      yield rows.flatMap((row) => logItems(row.seq, row.type, row.data));
      cursor = rows[rows.length - 1].seq;
    }
  }

  private async logsBefore(id: string, before: number, limit: number): Promise<WorkflowLogItem[]> {
    const pages: WorkflowLogItem[][] = [];
    let count = 0;
    let upto = before - 1;
    for (;;) {
      const rows = await this.eventRows.readLatestLogEvents(id, upto, limit);
      for (const row of rows) {
        if (count > 0 && count + row.lines > limit) return pages.reverse().flat();
        pages.push(logItems(row.seq, row.type, row.data));
        count += row.lines;
        upto = row.seq - 1;
      }
      if (rows.length < limit || count >= limit) return pages.reverse().flat();
    }
  }
}

function canSee(principal: Principal, ownerId: string | null): boolean {
  return isAdmin(principal) || ownerId === principal.userId;
}

/** A stored log event's lines; each names its agent when the event does (a batch once, a line in metadata). */
function logItems(seq: number, type: string, data: string): WorkflowLogItem[] {
  if (type === 'log:created') {
    const line = JSON.parse(data) as LogCreatedPayload;
    const agentName = line.metadata?.['agentName'];
    return [
      {
        id: seq,
        index: 0,
        level: line.level,
        message: line.message,
        timestamp: line.timestamp,
        ...(typeof agentName === 'string' ? { agentName } : {}),
        ...(line.metadata !== undefined ? { metadata: line.metadata } : {}),
      },
    ];
  }
  const batch = JSON.parse(data) as LogBatchPayload;
  const agent = batch.agentName === undefined ? {} : { agentName: batch.agentName };
  return batch.lines.map((line, index) => ({ id: seq, index, ...agent, ...line }));
}

function encodeCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
}

function decodeCursor(cursor: string): ListPosition {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string') return { createdAt, id };
  } catch {
    // fall through to the 400 below
  }
  throw badRequest([{ field: 'cursor', errors: ['cursor must be a nextCursor value from a previous page'] }]);
}
