import { Inject, Injectable } from '@nestjs/common';
import type { Database, Statement } from 'better-sqlite3';
import type { Transaction } from 'kysely';
import { EventsTable, type FlowcastDatabase, isStoreUnavailable, StoreConnection } from '@flowcast/api-core';
import { isTerminalEventType, TERMINAL_EVENT_TYPES, type WorkflowDetail } from '@flowcast/shared-contract';
import { eventFrame } from './sse-frame';
import { ConcurrentAppendError } from './workflow-errors';

/** A stored event as read back: `data` is the JSON text exactly as it is streamed. */
export interface EventRow {
  seq: number;
  type: string;
  data: string;
  lines: number;
}

/** A page of stored events as SSE frames, ready to write (see `readFramesAfter`). */
export interface FramesPage {
  /** `id:`/`event:`/`data:` frames of the page's events, joined, in id order ('' for an empty page). */
  frames: string;
  count: number;
  /** Id of the page's last event (the `afterSeq` asked for when the page is empty). */
  lastSeq: number;
  /** The page holds a workflow's terminal event. */
  terminal: boolean;
}

/**
 * The page's frames built by SQLite itself, exactly as `eventFrame` builds them: no row object or string per
 * event on the JavaScript side, about a third of the cost of reading rows (replay's hottest loop).
 */
const FRAMES_PAGE_SQL =
  `select count(*) as count, max(seq) as lastSeq, max(type in (${TERMINAL_EVENT_TYPES.map(() => '?').join(', ')})) as terminal,` +
  ` group_concat('id: ' || seq || char(10) || 'event: ' || type || char(10) || 'data: ' || data || char(10) || char(10), '' order by seq) as frames` +
  ' from (select seq, type, data from "events" where "workflow_id" = ? and "seq" > ? order by "seq" limit ?)';

interface FramesRow {
  count: number;
  lastSeq: number | null;
  terminal: number | null;
  frames: string | null;
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
  run: (update: UpdateParams, dequeue: boolean, rows: EventsTable[], workflowId: string) => void;
  /** Runs `work` in one transaction; appends run inside it become savepoints of it. */
  together: (work: () => void) => void;
}

/** One append, for `appendAll`. */
export interface AppendRequest {
  workflowId: string;
  expectedLastSeq: number;
  rows: EventsTable[];
  view: WorkflowDetail;
}

@Injectable()
export class EventsRepository {
  private sqliteAppend: SqliteAppend | null = null;
  private framesPage: Statement<unknown[], FramesRow> | null = null;

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
    const sqlite = this.store.sqlite;
    // SQLite: the hottest write path skips Kysely (see StoreConnection.sqlite). Not while a Kysely transaction
    // holds the connection (none does today): ours would nest inside it as a savepoint, so take the queue.
    if (sqlite && !sqlite.inTransaction) {
      this.appendSqlite(sqlite, { workflowId, expectedLastSeq, rows, view });
      return;
    }
    await this.store.db.transaction().execute(async (trx) => {
      if (!(await this.write(trx, { workflowId, expectedLastSeq, rows, view }))) {
        throw new ConcurrentAppendError(workflowId);
      }
    });
  }

  /**
   * One append inside a transaction (Kysely: PostgreSQL, or SQLite while Kysely holds the connection):
   * false, having written nothing, when another writer moved the workflow on since `expectedLastSeq`.
   */
  private async write(
    trx: Transaction<FlowcastDatabase>,
    { workflowId, expectedLastSeq, rows, view }: AppendRequest,
  ): Promise<boolean> {
    const result = await trx
      .updateTable('workflows')
      .set({
        last_seq: expectedLastSeq + rows.length,
        state: JSON.stringify(view),
        status: view.status,
        name: view.name,
        updated_at: new Date().toISOString(),
        ...(view.status === 'pending' ? {} : { queued_at: null }),
      })
      .where('id', '=', workflowId)
      .where('last_seq', '=', expectedLastSeq)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      await trx
        .insertInto('events')
        .values(rows.slice(start, start + INSERT_CHUNK))
        .execute();
    }
    return true;
  }

  /**
   * Several appends (of different workflows, or one workflow's consecutive ones, in order) committed
   * together. On SQLite: one transaction, each append in a savepoint of its own, so a refused append
   * (ConcurrentAppendError) is undone alone and the others are stored — one commit instead of one each.
   * PostgreSQL: one transaction too (one commit, one WAL flush for the tick: with many running workflows,
   * a transaction each would serialise on commits); a request another writer got ahead of writes nothing
   * and is refused alone (its UPDATE matched no row, which is no SQL error). Should the transaction fail as
   * a whole because the store refused a row, each request is tried again in a transaction of its own, so
   * that only the refused one fails; because the store is unavailable, every request fails with that error. Resolves, per request, with null (stored) or the error that refused it.
   */
  async appendAll(requests: AppendRequest[]): Promise<unknown[]> {
    const sqlite = this.store.sqlite;
    if (sqlite && !sqlite.inTransaction) {
      const outcomes: unknown[] = requests.map(() => null);
      try {
        this.sqliteAppendFor(sqlite).together(() => {
          requests.forEach((request, index) => {
            try {
              this.appendSqlite(sqlite, request);
            } catch (error) {
              // Some errors (a full disk, an I/O error) make SQLite roll the whole transaction back: then
              // nothing of the tick is stored, and every request fails with that error.
              if (!sqlite.inTransaction) throw error;
              outcomes[index] = error;
            }
          });
        });
      } catch (error) {
        // The commit itself failed: none of it is stored.
        return requests.map(() => error);
      }
      return outcomes;
    }
    if (requests.length > 1) {
      const outcomes: unknown[] = requests.map(() => null);
      // Rows locked in one order by every instance, so that two batching writers cannot deadlock.
      const order = requests
        .map((_, index) => index)
        .sort((a, b) =>
          requests[a].workflowId < requests[b].workflowId
            ? -1
            : requests[a].workflowId > requests[b].workflowId
              ? 1
              : a - b,
        );
      try {
        await this.store.db.transaction().execute(async (trx) => {
          for (const index of order) {
            if (!(await this.write(trx, requests[index]))) {
              outcomes[index] = new ConcurrentAppendError(requests[index].workflowId);
            }
          }
        });
        return outcomes;
      } catch (error) {
        // The store is away (or the answer to the commit was lost): trying each request again now could
        // only fail too, or store again what was committed; the event log holds them and reads back first.
        if (isStoreUnavailable(error)) return requests.map(() => error);
        // A row the store refused: one by one below, so that only its request fails.
      }
    }
    const outcomes: unknown[] = [];
    for (const { workflowId, expectedLastSeq, rows, view } of requests) {
      try {
        await this.append(workflowId, expectedLastSeq, rows, view);
        outcomes.push(null);
      } catch (error) {
        outcomes.push(error);
      }
    }
    return outcomes;
  }

  private appendSqlite(sqlite: Database, { workflowId, expectedLastSeq, rows, view }: AppendRequest): void {
    const update: UpdateParams = [
      expectedLastSeq + rows.length,
      JSON.stringify(view),
      view.status,
      view.name,
      new Date().toISOString(),
      workflowId,
      expectedLastSeq,
    ];
    this.sqliteAppendFor(sqlite).run(update, view.status !== 'pending', rows, workflowId);
  }

  private sqliteAppendFor(database: Database): SqliteAppend {
    if (this.sqliteAppend) return this.sqliteAppend; // the store's database never changes
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
    const together = database.transaction((work: () => void) => work());
    this.sqliteAppend = { run, together };
    return this.sqliteAppend;
  }

  /** Up to `limit` events with seq > afterSeq as one string of SSE frames (an unfiltered replay's page). */
  async readFramesAfter(workflowId: string, afterSeq: number, limit: number): Promise<FramesPage> {
    const sqlite = this.store.sqlite;
    if (sqlite) {
      this.framesPage ??= sqlite.prepare<unknown[], FramesRow>(FRAMES_PAGE_SQL);
      const row = this.framesPage.get(...TERMINAL_EVENT_TYPES, workflowId, afterSeq, limit) as FramesRow;
      return {
        frames: row.frames ?? '',
        count: row.count,
        lastSeq: row.lastSeq ?? afterSeq,
        terminal: row.terminal === 1,
      };
    }
    const rows = await this.readAfter(workflowId, afterSeq, limit);
    let frames = '';
    for (const row of rows) frames += eventFrame(row.type, row.data, row.seq);
    return {
      frames,
      count: rows.length,
      lastSeq: rows.length > 0 ? rows[rows.length - 1].seq : afterSeq,
      terminal: rows.some((row) => isTerminalEventType(row.type)),
    };
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
