import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

const POSTGRES_TEST_URL =
  process.env['FLOWCAST_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Databases a crashed run left behind are dropped by a later run once they are this old. */
const STALE_AFTER_SECONDS = 3_600;

export interface TestDatabase {
  /** `postgres://…/<name>`: a DATABASE_URL for the servers under test. */
  url: string;
  name: string;
  /** Disconnects everyone still connected to it and drops it (safe to call twice). */
  drop(): Promise<void>;
}

/**
 * A fresh, empty database on the PostgreSQL at FLOWCAST_TEST_POSTGRES_URL (default
 * postgres://postgres@127.0.0.1:5432/test), named `<prefix><unix seconds>_<random hex>` so that reruns and
 * parallel suites never share rows, and so that a later run can drop what a crashed one left (older than an
 * hour). An unreachable server fails the suite; it is never skipped.
 */
export async function createTestDatabase(prefix = 'flowcast_e2e_'): Promise<TestDatabase> {
  // The name is written into SQL as an identifier: keep it to what needs no quoting rules.
  if (!/^[a-z_][a-z0-9_]*$/.test(prefix)) throw new Error(`database prefix ${prefix} must match [a-z0-9_]`);
  const now = Math.floor(Date.now() / 1_000);
  const name = `${prefix}${now}_${randomBytes(4).toString('hex')}`;
  await withAdmin(async (admin) => {
    await dropStaleDatabases(admin, prefix, now);
    await admin.query(`create database "${name}"`);
  });
  const url = new URL(POSTGRES_TEST_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => withAdmin((admin) => dropDatabase(admin, name)) };
}

async function withAdmin<T>(work: (admin: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: POSTGRES_TEST_URL, connectionTimeoutMillis: 5_000 });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL for the e2e tests is unreachable at ${POSTGRES_TEST_URL} (${(error as Error).message}); ` +
        'start it or set FLOWCAST_TEST_POSTGRES_URL',
    );
  }
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

async function dropStaleDatabases(admin: Client, prefix: string, now: number): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    'select datname from pg_database where starts_with(datname, $1)',
    [prefix],
  );
  const pattern = new RegExp(`^${prefix}(\\d+)_[0-9a-f]+$`);
  for (const { datname } of rows) {
    const created = Number(pattern.exec(datname)?.[1]);
    if (Number.isFinite(created) && now - created > STALE_AFTER_SECONDS) {
      // Another run may be dropping the same one.
      await dropDatabase(admin, datname).catch(() => undefined);
    }
  }
}

async function dropDatabase(admin: Client, name: string): Promise<void> {
  const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
  if (exists.rowCount === 0) return;
  // No new connections (a server's pool would reconnect), then end the open ones, then drop.
  await admin.query(`alter database "${name}" allow_connections false`);
  await admin.query(
    'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
    [name],
  );
  // A terminated backend may take a moment to leave; the drop waits for no one and fails instead.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`drop database if exists "${name}"`);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '55006' || attempt >= 50) throw error;
      await new Promise((resolveWait) => setTimeout(resolveWait, 100));
    }
  }
}
