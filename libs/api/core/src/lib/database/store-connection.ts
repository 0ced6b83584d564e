import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type SqliteDatabase from 'better-sqlite3';
import { loadSqliteDriver } from '@flowcast/shared-sqlite-driver';
import { Kysely, Migrator, PostgresDialect, sql, SqliteDialect } from 'kysely';
import { Pool } from 'pg';
import type { StoreLocation } from '../config/flowcast-config';
import { migrationProvider } from './migrations';
import type { FlowcastDatabase } from './schema';

export type StoreDialect = StoreLocation['kind'];

/**
 * The store: a Kysely instance over the embedded SQLite file or a PostgreSQL pool, migrated before use.
 * Repositories take `db` from here; nothing else touches SQL.
 */
export class StoreConnection {
  private constructor(
    readonly db: Kysely<FlowcastDatabase>,
    readonly dialect: StoreDialect,
    /**
     * The embedded SQLite database under `db` (null for PostgreSQL). Only for the event log's append, the
     * hottest write path: there Kysely's query building, connection mutex and promise hops cost more than
     * SQLite itself, so it runs a synchronous transaction over its own prepared statements. Everything else
     * goes through `db`.
     */
    readonly sqlite: SqliteDatabase.Database | null = null,
  ) {}

  /** Opens, checks and migrates the store; throws with one clear line when it cannot. */
  static async open(location: StoreLocation): Promise<StoreConnection> {
    const where = location.kind === 'postgres' ? redactUrl(location.url) : resolve(location.path);
    let store: StoreConnection | undefined;
    try {
      store = location.kind === 'sqlite' ? openSqlite(location.path) : openPostgres(location.url);
      await store.ping();
    } catch (error) {
      await store?.close().catch(() => undefined);
      throw new Error(`Store unreachable at ${where}: ${(error as Error).message}${hint(error)}`);
    }
    try {
      await store.migrate();
    } catch (error) {
      await store.close().catch(() => undefined);
      throw new Error(`${(error as Error).message} (store at ${where})${hint(error)}`);
    }
    return store;
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider: migrationProvider });
    const { error } = await migrator.migrateToLatest();
    if (error) throw new Error(`Store migration failed: ${(error as Error).message ?? String(error)}`);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  static forDialect(
    db: Kysely<FlowcastDatabase>,
    dialect: StoreDialect,
    sqlite: SqliteDatabase.Database | null = null,
  ): StoreConnection {
    return new StoreConnection(db, dialect, sqlite);
  }
}

function openSqlite(path: string): StoreConnection {
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true });
  const Sqlite = loadSqliteDriver();
  const database = new Sqlite(file);
  // WAL lets stream readers replay while the engine writes; NORMAL sync is durable across process crashes.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  return StoreConnection.forDialect(
    new Kysely({ dialect: new SqliteDialect({ database: withStatementCache(database) }) }),
    'sqlite',
    database,
  );
}

/** Prepared statements kept per SQL text; past this many, the oldest is dropped. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely's SQLite driver prepares every query anew, and preparing costs more than running these small
 * statements. The queries are few and repeat (reads of the event log are the same few statements each
 * time), so keep the prepared statements. Safe because better-sqlite3 runs each statement to completion
 * synchronously: one is never used by two queries at once.
 */
function withStatementCache(database: SqliteDatabase.Database): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const prepare = database.prepare.bind(database);
  return new Proxy(database, {
    get(target, property, receiver) {
      if (property !== 'prepare') {
        const value = Reflect.get(target, property, receiver) as unknown;
        // Native methods must be called on the real database, not on the proxy.
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      }
      return (sql: string) => {
        let statement = cache.get(sql);
        if (!statement) {
          statement = prepare(sql);
          if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
          cache.set(sql, statement);
        }
        return statement;
      };
    },
  });
}

function openPostgres(url: string): StoreConnection {
  const pool = new Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000 });
  // A client that loses its server must not crash the process. Idle, the pool hears it ('error' on the pool)
  // and replaces it; checked out (between two queries of a transaction), the pool takes its own listener
  // off, and the client would emit 'error' to nobody: this one stays on it. The query in flight fails
  // (the event log holds its events), and the pool drops the broken client when it is released.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return StoreConnection.forDialect(new Kysely({ dialect: new PostgresDialect({ pool }) }), 'postgres');
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}

/** What an operator most likely has to fix, for the store errors that say little by themselves. */
function hint(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_CANTOPEN' || (typeof code === 'string' && code.startsWith('SQLITE_READONLY'))) {
    return ' (the file and its directory must be writable: SQLite keeps its -wal and -shm files beside it)';
  }
  if (code === 'SQLITE_FULL') return ' (the disk is full)';
  return '';
}
