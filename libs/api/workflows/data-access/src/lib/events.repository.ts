import { Inject, Injectable } from '@nestjs/common';
import { EventsTable, StoreConnection } from '@flowcast/api-core';
import type { WorkflowDetail } from '@flowcast/shared-contract';
import { ConcurrentAppendError } from './workflow-errors';

/** A stored event as read back: `data` is the JSON text exactly as it is streamed. */
export interface EventRow {
  seq: number;
  type: string;
  data: string;
  lines: number;
}

/** Rows per INSERT statement: well under SQLite's bound-parameter limit. */
const INSERT_CHUNK = 500;

@Injectable()
export class EventsRepository {
  constructor(@Inject(StoreConnection) private readonly store: StoreConnection) {}

  /**
   * Stores `rows` (numbered expectedLastSeq + 1 … newLastSeq) and the state they lead to, in one transaction.
   * The update only matches while last_seq is still what the caller read, so two writers can never hand out
   * the same id: the loser gets a ConcurrentAppendError and nothing is written.
   */
  async append(
    workflowId: string,
    expectedLastSeq: number,
    rows: EventsTable[],
    view: WorkflowDetail,
  ): Promise<void> {
    const newLastSeq = expectedLastSeq + rows.length;
    await this.store.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('workflows')
        .set({
          last_seq: newLastSeq,
          state: JSON.stringify(view),
          status: view.status,
          name: view.name,
          updated_at: new Date().toISOString(),
          ...(view.status === 'pending' ? {} : { queued_at: null }),
        })
        .where('id', '=', workflowId)
        .where('last_seq', '=', expectedLastSeq)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) throw new ConcurrentAppendError(workflowId);
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        await trx
          .insertInto('events')
          .values(rows.slice(start, start + INSERT_CHUNK))
          .execute();
      }
    });
  }

  /** Events with seq > afterSeq, oldest first. */
  async readAfter(workflowId: string, afterSeq: number, limit: number): Promise<EventRow[]> {
    return this.store.db
      .selectFrom('events')
      .select(['seq', 'type', 'data', 'lines'])
      .where('workflow_id', '=', workflowId)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
  }

  /** Log events (log:created, log:batch) with seq > afterSeq, oldest first. */
  async readLogEventsAfter(workflowId: string, afterSeq: number, limit: number): Promise<EventRow[]> {
    return this.store.db
      .selectFrom('events')
      .select(['seq', 'type', 'data', 'lines'])
      .where('workflow_id', '=', workflowId)
      .where('lines', '>', 0)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
  }

  /** The newest log events with seq <= uptoSeq, newest first. */
  async readLatestLogEvents(workflowId: string, uptoSeq: number, limit: number): Promise<EventRow[]> {
    return this.store.db
      .selectFrom('events')
      .select(['seq', 'type', 'data', 'lines'])
      .where('workflow_id', '=', workflowId)
      .where('lines', '>', 0)
      .where('seq', '<=', uptoSeq)
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
  }

  async countAll(workflowId: string): Promise<number> {
    const row = await this.store.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<string | number>().as('count'))
      .where('workflow_id', '=', workflowId)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }
}
