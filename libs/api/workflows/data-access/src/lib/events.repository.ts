import { Inject, Injectable } from '@nestjs/common';
import type { Database, Statement } from 'better-sqlite3';
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

/** Same columns and WHERE as the Kysely update in `append`; the second also clears the queue mark. */
const UPDATE_SQL =
  'update "workflows" set "last_seq" = ?, "state" = ?, "status" = ?, "name" = ?, "updated_at" = ?' +
  ' where "id" = ? and "last_seq" = ?';
const UPDATE_DEQUEUE_SQL =
  'update "workflows" set "last_seq" = ?, "state" = ?, "status" = ?, "name" = ?, "updated_at" = ?,' +
  ' "queued_at" = null where "id" = ? and "last_seq" = ?';
const INSERT_SQL =
  'insert into "events" ("workflow_id", "seq", "type", "data", "lines") values (?, ?, ?, ?, ?)';

type UpdateParams = [
  lastSeq: number,
  state: string,
  status: string,
  name: string,
  updatedAt: string,
  id: string,
  expectedLastSeq: number,
];
type InsertParams = [workflowId: string, seq: number, type: string, data: string, lines: number];

/** The append as one synchronous better-sqlite3 transaction over statements prepared once. */
interface SqliteAppend {
  database: Database;
  run: (update: UpdateParams, dequeue: boolean, rows: EventsTable[], workflowId: string) => void;
}

@Injectable()
export class EventsRepository {
  private sqliteAppend: SqliteAppend | null = null;

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
    const sqlite = this.store.sqlite;
    // SQLite: the hottest write path skips Kysely (see StoreConnection.sqlite). Not while a Kysely transaction
    // holds the connection (none does today): ours would nest inside it as a savepoint, so take the queue.
    if (sqlite && !sqlite.inTransaction) {
      const update: UpdateParams = [
        newLastSeq,
        JSON.stringify(view),
        view.status,
        view.name,
        new Date().toISOString(),
        workflowId,
        expectedLastSeq,
      ];
      this.sqliteAppendFor(sqlite).run(update, view.status !== 'pending', rows, workflowId);
      return;
    }
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

  private sqliteAppendFor(database: Database): SqliteAppend {
    if (this.sqliteAppend?.database === database) return this.sqliteAppend;
    const update: Statement<UpdateParams> = database.prepare(UPDATE_SQL);
    const updateDequeue: Statement<UpdateParams> = database.prepare(UPDATE_DEQUEUE_SQL);
    const insert: Statement<InsertParams> = database.prepare(INSERT_SQL);
    // Throwing inside rolls the transaction back: nothing of a refused append is written.
    const run = database.transaction(
      (params: UpdateParams, dequeue: boolean, rows: EventsTable[], workflowId: string) => {
        if ((dequeue ? updateDequeue : update).run(...params).changes !== 1) {
          throw new ConcurrentAppendError(workflowId);
        }
        for (const row of rows) insert.run(row.workflow_id, row.seq, row.type, row.data, row.lines);
      },
    );
    this.sqliteAppend = { database, run };
    return this.sqliteAppend;
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
