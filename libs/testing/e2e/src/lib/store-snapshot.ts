import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSqliteDriver } from '@flowcast/shared-sqlite-driver';
import { Client } from 'pg';
import type { StoredEvent, WorkflowDefinition, WorkflowDetail } from '@flowcast/shared-contract';

/** A workflow row as the store holds it. */
export interface StoredWorkflow {
  id: string;
  status: string;
  lastSeq: number;
  queuedAt: string | null;
  definition: WorkflowDefinition;
  /** The saved state (the reducer's result after event `lastSeq`). */
  state: WorkflowDetail;
}

export interface StoreSnapshot {
  workflows: Map<string, StoredWorkflow>;
  /** The stored events of the workflows picked, in id order (`data` parsed). */
  events: Map<string, StoredEvent[]>;
}

interface WorkflowRow {
  id: string;
  status: string;
  last_seq: number | string;
  queued_at: string | null;
  definition: string;
  state: string;
}

interface EventRow {
  seq: number | string;
  type: string;
  data: string;
}

type Query = <T>(sql: string, params: unknown[]) => Promise<T[]>;

const WORKFLOWS_SQL = 'select id, status, last_seq, queued_at, definition, state from workflows';
const EVENTS_SQL = 'select seq, type, data from events where workflow_id = $1 order by seq';

/**
 * Reads a store directly, bypassing the server: every workflow row, and the events of those `withEvents`
 * picks (all by default). For a stopped or killed server only: a SQLite file is read from a copy of the
 * database and its WAL, so that the copy, not the store, is recovered, and the next server finds the WAL
 * exactly as the crash left it.
 */
export async function readStore(
  databaseUrl: string,
  withEvents: (workflow: StoredWorkflow) => boolean = () => true,
): Promise<StoreSnapshot> {
  const read = async (query: Query): Promise<StoreSnapshot> => {
    const snapshot: StoreSnapshot = { workflows: new Map(), events: new Map() };
    for (const row of await query<WorkflowRow>(WORKFLOWS_SQL, [])) {
      const workflow: StoredWorkflow = {
        id: row.id,
        status: row.status,
        lastSeq: Number(row.last_seq),
        queuedAt: row.queued_at,
        definition: JSON.parse(row.definition) as WorkflowDefinition,
        state: JSON.parse(row.state) as WorkflowDetail,
      };
      snapshot.workflows.set(row.id, workflow);
      if (!withEvents(workflow)) continue;
      const events = await query<EventRow>(EVENTS_SQL, [row.id]);
      snapshot.events.set(
        row.id,
        events.map(
          (event) =>
            ({ id: Number(event.seq), type: event.type, data: JSON.parse(event.data) }) as StoredEvent,
        ),
      );
    }
    return snapshot;
  };
  return databaseUrl.startsWith('sqlite:')
    ? withSqliteCopy(databaseUrl.slice('sqlite:'.length), read)
    : withPostgres(databaseUrl, read);
}

async function withSqliteCopy<T>(path: string, work: (query: Query) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'flowcast-store-copy-'));
  try {
    // No -shm: the first connection rebuilds the WAL index from the WAL itself.
    copyFileSync(path, join(dir, 'copy.db'));
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, join(dir, 'copy.db-wal'));
    const Sqlite = loadSqliteDriver();
    const db = new Sqlite(join(dir, 'copy.db'));
    try {
      return await work(
        async <R>(sql: string, params: unknown[]) =>
          db.prepare(sql.replace(/\$\d+/g, '?')).all(...params) as R[],
      );
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withPostgres<T>(url: string, work: (query: Query) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    // A killed server's sessions live on until PostgreSQL notices the closed sockets, and a COMMIT sent
    // just before the kill may still land meanwhile: read only once they are gone.
    for (let attempt = 0; ; attempt++) {
      const { rows } = await client.query<{ others: string }>(
        'select count(*) as others from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      );
      if (Number(rows[0].others) === 0) break;
      if (attempt >= 200)
        throw new Error(`other sessions still use ${url} after 10 s: is its server stopped?`);
      await new Promise((resolveWait) => setTimeout(resolveWait, 50));
    }
    return await work(
      async <R>(sql: string, params: unknown[]) => (await client.query(sql, params)).rows as R[],
    );
  } finally {
    await client.end();
  }
}
