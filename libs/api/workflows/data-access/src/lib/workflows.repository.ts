import { Inject, Injectable } from '@nestjs/common';
import { StoreConnection } from '@flowcast/api-core';
import {
  isTerminalStatus,
  WORKFLOW_STATUSES,
  type WorkflowDefinition,
  type WorkflowDetail,
  type WorkflowState,
  type WorkflowStatus,
  workflowSummary,
} from '@flowcast/shared-contract';

/** The statuses a workflow ends in: nothing more is appended to it. */
const FINISHED_STATUSES: WorkflowStatus[] = WORKFLOW_STATUSES.filter((status) => isTerminalStatus(status));

export interface WorkflowRecord {
  id: string;
  ownerId: string | null;
  definition: WorkflowDefinition;
  /** State after the last stored event, as the reducer computed it. */
  view: WorkflowDetail;
  queuedAt: string | null;
}

export interface NewWorkflowRecord {
  id: string;
  ownerId: string | null;
  definition: WorkflowDefinition;
  view: WorkflowDetail;
}

export interface ListPosition {
  createdAt: string;
  id: string;
}

@Injectable()
export class WorkflowsRepository {
  constructor(@Inject(StoreConnection) private readonly store: StoreConnection) {}

  async insert(record: NewWorkflowRecord): Promise<void> {
    await this.store.db
      .insertInto('workflows')
      .values({
        id: record.id,
        owner_id: record.ownerId,
        name: record.view.name,
        status: record.view.status,
        created_at: record.view.createdAt,
        updated_at: record.view.createdAt,
        definition: JSON.stringify(record.definition),
        state: JSON.stringify(record.view),
        last_seq: 0,
        queued_at: null,
        runner: null,
      })
      .execute();
  }

  async findById(id: string): Promise<WorkflowRecord | undefined> {
    const row = await this.store.db
      .selectFrom('workflows')
      .select(['id', 'owner_id', 'definition', 'state', 'queued_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      id: row.id,
      ownerId: row.owner_id,
      definition: JSON.parse(row.definition) as WorkflowDefinition,
      view: JSON.parse(row.state) as WorkflowDetail,
      queuedAt: row.queued_at,
    };
  }

  /** The state and latest event id only: what a stream needs to open. */
  async findView(id: string): Promise<WorkflowDetail | undefined> {
    const row = await this.store.db
      .selectFrom('workflows')
      .select('state')
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? (JSON.parse(row.state) as WorkflowDetail) : undefined;
  }

  /** The state and its owner: what an access check and a stream need. */
  async findOwnedView(id: string): Promise<{ ownerId: string | null; view: WorkflowDetail } | undefined> {
    const row = await this.store.db
      .selectFrom('workflows')
      .select(['owner_id', 'state'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? { ownerId: row.owner_id, view: JSON.parse(row.state) as WorkflowDetail } : undefined;
  }

  /** Newest first; `after` is the last item of the previous page. */
  async list(options: { ownerId?: string; after?: ListPosition; limit: number }): Promise<WorkflowState[]> {
    let query = this.store.db.selectFrom('workflows').select('state');
    if (options.ownerId !== undefined) query = query.where('owner_id', '=', options.ownerId);
    const after = options.after;
    if (after) {
      query = query.where((eb) =>
        eb.or([
          eb('created_at', '<', after.createdAt),
          eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
        ]),
      );
    }
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit)
      .execute();
    return rows.map((row) => workflowSummary(JSON.parse(row.state) as WorkflowDetail));
  }

  /** The latest stored event id of each workflow asked for that exists (one query per 500 ids). */
  async findLastSeqs(ids: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (let start = 0; start < ids.length; start += 500) {
      const rows = await this.store.db
        .selectFrom('workflows')
        .select(['id', 'last_seq'])
        .where('id', 'in', ids.slice(start, start + 500))
        .execute();
      for (const row of rows) found.set(row.id, Number(row.last_seq));
    }
    return found;
  }

  async findIdsByStatus(status: WorkflowState['status']): Promise<string[]> {
    const rows = await this.store.db
      .selectFrom('workflows')
      .select('id')
      .where('status', '=', status)
      .execute();
    return rows.map((row) => row.id);
  }

  /** Pending workflows whose start was asked for, in the order it was asked. */
  async findQueued(): Promise<string[]> {
    const rows = await this.store.db
      .selectFrom('workflows')
      .select('id')
      .where('status', '=', 'pending')
      .where('queued_at', 'is not', null)
      .orderBy('queued_at')
      .orderBy('id')
      .execute();
    return rows.map((row) => row.id);
  }

  async markQueued(id: string, at: string): Promise<void> {
    await this.store.db.updateTable('workflows').set({ queued_at: at }).where('id', '=', id).execute();
  }

  /**
   * Claims a pending, unclaimed workflow for `runner` (an instance that will run it, or one cancelling it).
   * True for exactly one of any number of concurrent claims.
   */
  async claim(id: string, runner: string): Promise<boolean> {
    const result = await this.store.db
      .updateTable('workflows')
      .set({ runner })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('runner', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Passes an unfinished workflow's claim from `from` (an instance taken for dead) to `to`; true for one taker. */
  async takeOver(id: string, from: string, to: string): Promise<boolean> {
    const result = await this.store.db
      .updateTable('workflows')
      .set({ runner: to })
      .where('id', '=', id)
      .where('runner', '=', from)
      .where('status', 'in', ['pending', 'running'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Instances that hold claims on unfinished workflows (cancel claims excluded). */
  async findClaimants(): Promise<string[]> {
    const rows = await this.store.db
      .selectFrom('workflows')
      .select('runner')
      .distinct()
      .where('status', 'in', ['pending', 'running'])
      .where('runner', 'is not', null)
      .where('runner', 'not like', 'cancelled:%')
      .execute();
    return rows.map((row) => row.runner as string);
  }

  /** Unfinished workflows claimed by one instance. */
  async findClaimedBy(runner: string): Promise<string[]> {
    const rows = await this.store.db
      .selectFrom('workflows')
      .select('id')
      .where('status', 'in', ['pending', 'running'])
      .where('runner', '=', runner)
      .execute();
    return rows.map((row) => row.id);
  }

  /** Clears a queue mark (the run could not be queued after all). */
  async unmarkQueued(id: string): Promise<void> {
    await this.store.db.updateTable('workflows').set({ queued_at: null }).where('id', '=', id).execute();
  }

  /**
   * Deletes a workflow that is not running, its events with it (a foreign-key cascade): one that has
   * finished, or is pending with no start asked for. `busy` when it is running or about to (queued or
   * claimed), `missing` when there is no such workflow. Conditional, so a start racing it cannot slip in.
   */
  async deleteIdle(
    id: string,
  ): Promise<{ outcome: 'deleted'; ownerId: string | null } | { outcome: 'busy' | 'missing' }> {
    const deleted = await this.store.db
      .deleteFrom('workflows')
      .where('id', '=', id)
      .where((eb) =>
        eb.or([
          eb('status', 'in', FINISHED_STATUSES),
          eb.and([eb('status', '=', 'pending'), eb('queued_at', 'is', null), eb('runner', 'is', null)]),
        ]),
      )
      .returning('owner_id')
      .executeTakeFirst();
    if (deleted) return { outcome: 'deleted', ownerId: deleted.owner_id };
    const still = await this.store.db
      .selectFrom('workflows')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    return { outcome: still ? 'busy' : 'missing' };
  }

  /**
   * Finished workflows last changed before `before` (ISO time), oldest first, with how many events each
   * holds: what retention removes.
   */
  async findFinishedBefore(before: string, limit: number): Promise<{ id: string; events: number }[]> {
    const rows = await this.store.db
      .selectFrom('workflows')
      .select(['id', 'last_seq'])
      .where('status', 'in', FINISHED_STATUSES)
      .where('updated_at', '<', before)
      .orderBy('updated_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ id: row.id, events: Number(row.last_seq) }));
  }

  /** Deletes these workflows (and their events) where they have finished, in one transaction; returns those deleted. */
  async deleteFinished(ids: readonly string[]): Promise<{ id: string; ownerId: string | null }[]> {
    if (ids.length === 0) return [];
    const rows = await this.store.db
      .deleteFrom('workflows')
      .where('id', 'in', [...ids])
      .where('status', 'in', FINISHED_STATUSES)
      .returning(['id', 'owner_id'])
      .execute();
    return rows.map((row) => ({ id: row.id, ownerId: row.owner_id }));
  }

  async count(): Promise<number> {
    const row = await this.store.db
      .selectFrom('workflows')
      .select((eb) => eb.fn.countAll<string | number>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** How many workflows are in each status (every status present, zeros included), in one query. */
  async countByStatus(): Promise<Record<WorkflowStatus, number>> {
    const rows = await this.store.db
      .selectFrom('workflows')
      .select((eb) => ['status', eb.fn.countAll<string | number>().as('count')])
      .groupBy('status')
      .execute();
    const counts = Object.fromEntries(WORKFLOW_STATUSES.map((status) => [status, 0])) as Record<
      WorkflowStatus,
      number
    >;
    for (const row of rows) {
      if (row.status in counts) counts[row.status as WorkflowStatus] = Number(row.count);
    }
    return counts;
  }
}
