import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSqliteDriver } from '@flowcast/shared-sqlite-driver';
import { sql } from 'kysely';
import { Client } from 'pg';
import { StoreConnection } from '@flowcast/api-core';
import { seedWorkflow, type WorkflowDefinition, type WorkflowDetail } from '@flowcast/shared-contract';
import type { WorkflowsRepository } from '../workflows.repository';

/**
 * Real stores for the data-access specs (test support only; not exported from the library).
 *
 * SQLite: a fresh file under the OS temp directory. PostgreSQL: a fresh database on the server at
 * FLOWCAST_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test), created for the run and
 * dropped after it, so that reruns and parallel spec files never see each other's rows. A separate database
 * rather than a schema, because Kysely's migrator looks for its kysely_migration table in every schema of
 * the database and would skip creating ours if any other schema had one. When the server is unreachable the
 * suite fails; it is never skipped.
 */
export const STORE_KINDS = ['sqlite', 'postgres'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export const POSTGRES_TEST_URL =
  process.env['FLOWCAST_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

const DATABASE_PREFIX = 'flowcast_unit_';
/** Databases a crashed run left behind are dropped by the next run once they are this old. */
const STALE_AFTER_SECONDS = 3_600;

export interface TestStore {
  kind: StoreKind;
  store: StoreConnection;
  /** A second, independent connection to the same store: what another process would hold. */
  openAnother(): Promise<StoreConnection>;
  /** The stored event ids of a workflow, read on an independent connection at the moment of the call. */
  storedIds(workflowId: string): Promise<number[]>;
  /**
   * Makes the store itself refuse (a trigger raising "disk I/O error") every event whose data contains
   * `marker`, until the returned function is called: a real failed write, inside the real transaction.
   */
  failEventsContaining(marker: string): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export async function openTestStore(kind: StoreKind): Promise<TestStore> {
  return kind === 'sqlite' ? openSqlite() : openPostgres();
}

async function openSqlite(): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'flowcast-unit-'));
  const path = join(dir, 'flowcast.db');
  const store = await StoreConnection.open({ kind: 'sqlite', path });
  const others: StoreConnection[] = [];
  // better-sqlite3 reads synchronously: the answer is what the file holds at the very moment of the call.
  const Sqlite = loadSqliteDriver();
  const reader = new Sqlite(path, { readonly: true });
  const selectIds = reader.prepare<[string], { seq: number }>(
    'select seq from events where workflow_id = ? order by seq',
  );
  return {
    kind: 'sqlite',
    store,
    openAnother: async () => {
      const other = await StoreConnection.open({ kind: 'sqlite', path });
      others.push(other);
      return other;
    },
    storedIds: async (workflowId) => selectIds.all(workflowId).map((row) => row.seq),
    failEventsContaining: async (marker) => {
      await sql
        .raw(
          `create trigger flowcast_test_fail before insert on events when new.data like '%${marker}%' ` +
            `begin select raise(abort, 'disk I/O error'); end`,
        )
        .execute(store.db);
      return async () => {
        await sql.raw('drop trigger flowcast_test_fail').execute(store.db);
      };
    },
    close: async () => {
      reader.close();
      for (const other of others) await other.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openPostgres(): Promise<TestStore> {
  const admin = new Client({ connectionString: POSTGRES_TEST_URL, connectionTimeoutMillis: 5_000 });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL for the store tests is unreachable at ${POSTGRES_TEST_URL} (${(error as Error).message}); ` +
        'start it or set FLOWCAST_TEST_POSTGRES_URL',
    );
  }
  const now = Math.floor(Date.now() / 1_000);
  const database = `${DATABASE_PREFIX}${now}_${randomBytes(4).toString('hex')}`;
  try {
    await dropStaleDatabases(admin, now);
    await admin.query(`create database "${database}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_TEST_URL);
  url.pathname = `/${database}`;
  const store = await StoreConnection.open({ kind: 'postgres', url: url.toString() });
  const others: StoreConnection[] = [];
  const reader = new Client({ connectionString: url.toString() });
  // A spec that ends the database's connections (a store fault) ends this one too: it must not crash the run.
  reader.on('error', () => undefined);
  await reader.connect();
  return {
    kind: 'postgres',
    store,
    openAnother: async () => {
      const other = await StoreConnection.open({ kind: 'postgres', url: url.toString() });
      others.push(other);
      return other;
    },
    storedIds: async (workflowId) => {
      const result = await reader.query<{ seq: number }>(
        'select seq from events where workflow_id = $1 order by seq',
        [workflowId],
      );
      return result.rows.map((row) => row.seq);
    },
    failEventsContaining: async (marker) => {
      await sql
        .raw(
          `create function flowcast_test_fail() returns trigger language plpgsql as $$ begin ` +
            `if new.data like '%${marker}%' then raise exception 'disk I/O error'; end if; return new; end $$`,
        )
        .execute(store.db);
      await sql
        .raw(
          'create trigger flowcast_test_fail before insert on events for each row execute function flowcast_test_fail()',
        )
        .execute(store.db);
      return async () => {
        await sql.raw('drop trigger flowcast_test_fail on events').execute(store.db);
        await sql.raw('drop function flowcast_test_fail()').execute(store.db);
      };
    },
    close: async () => {
      await reader.end().catch(() => undefined);
      for (const other of others) await other.close();
      await store.close();
      const cleaner = new Client({ connectionString: POSTGRES_TEST_URL });
      await cleaner.connect();
      try {
        await cleaner.query(`drop database if exists "${database}" with (force)`);
      } finally {
        await cleaner.end();
      }
    },
  };
}

async function dropStaleDatabases(admin: Client, now: number): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    `select datname from pg_database where datname like '${DATABASE_PREFIX}%'`,
  );
  for (const { datname } of rows) {
    const created = Number(/^flowcast_unit_(\d+)_[0-9a-f]+$/.exec(datname)?.[1]);
    if (Number.isFinite(created) && now - created > STALE_AFTER_SECONDS) {
      await admin.query(`drop database if exists "${datname}" with (force)`).catch(() => undefined);
    }
  }
}

export function newWorkflowId(): string {
  return `wf_${randomBytes(12).toString('base64url')}`;
}

export function definitionWith(agentCount: number, name = 'Fix login bug'): WorkflowDefinition {
  return {
    name,
    budgetLimit: 5,
    maxIterations: 1,
    agents: Array.from({ length: agentCount }, (_, index) => ({
      name: `agent-${index + 1}`,
      role: index % 2 === 0 ? 'developer' : 'reviewer',
      prompt: `Step ${index + 1}`,
      runner: { type: 'simulated' as const, durationMs: 10, cost: 0.5 },
    })),
  };
}

/** Inserts a pending workflow as the service does and returns its seed view. */
export async function insertWorkflow(
  workflows: WorkflowsRepository,
  options: { id?: string; ownerId?: string | null; createdAt?: string; definition?: WorkflowDefinition } = {},
): Promise<WorkflowDetail> {
  const definition = options.definition ?? definitionWith(2);
  const view = seedWorkflow({
    id: options.id ?? newWorkflowId(),
    name: definition.name,
    createdAt: options.createdAt ?? new Date().toISOString(),
    maxIterations: definition.maxIterations ?? 1,
    budgetLimit: definition.budgetLimit ?? null,
    agents: definition.agents.map((agent) => ({ agentName: agent.name, agentRole: agent.role })),
  });
  await workflows.insert({ id: view.id, ownerId: options.ownerId ?? null, definition, view });
  return view;
}
