import { Kysely, Migration, MigrationProvider, sql } from 'kysely';

/**
 * Migrations as code, applied in name order at start-up. Only portable column types, so that the same
 * list serves SQLite and PostgreSQL. Never edit one that has shipped: add the next.
 */
const migrations: Record<string, Migration> = {
  '2026-11-28-001-workflows-and-events': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('workflows')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('owner_id', 'text')
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('status', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .addColumn('definition', 'text', (col) => col.notNull())
        .addColumn('state', 'text', (col) => col.notNull())
        .addColumn('last_seq', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('queued_at', 'text')
        .execute();
      await db.schema
        .createIndex('workflows_created')
        .on('workflows')
        .columns(['created_at', 'id'])
        .execute();
      await db.schema
        .createIndex('workflows_owner_created')
        .on('workflows')
        .columns(['owner_id', 'created_at', 'id'])
        .execute();
      await db.schema.createIndex('workflows_status').on('workflows').column('status').execute();

      await db.schema
        .createTable('events')
        .addColumn('workflow_id', 'text', (col) =>
          col.notNull().references('workflows.id').onDelete('cascade'),
        )
        .addColumn('seq', 'integer', (col) => col.notNull())
        .addColumn('type', 'text', (col) => col.notNull())
        .addColumn('data', 'text', (col) => col.notNull())
        .addColumn('lines', 'integer', (col) => col.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('events_pk', ['workflow_id', 'seq'])
        .execute();
      // Logs and the snapshot's last 50 lines read only log events: a partial index keeps them cheap.
      await db.schema
        .createIndex('events_log_lines')
        .on('events')
        .columns(['workflow_id', 'seq'])
        .where(sql.ref('lines'), '>', 0)
        .execute();

      await db.schema
        .createTable('settings')
        .addColumn('key', 'text', (col) => col.primaryKey())
        .addColumn('value', 'text', (col) => col.notNull())
        .execute();
    },
  },
  '2026-11-28-002-users-sessions-tokens': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('username', 'text', (col) => col.notNull().unique())
        .addColumn('password_hash', 'text', (col) => col.notNull())
        .addColumn('role', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('last_seen_at', 'text', (col) => col.notNull())
        .addColumn('expires_at', 'text', (col) => col.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('secret_hash', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('last_used_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();
    },
  },
  '2026-12-04-003-workflow-runner': {
    async up(db: Kysely<unknown>) {
      // In a cluster: the instance that claimed the run (or `cancelled:<instance>` for a pending one it
      // cancelled). Claims are conditional updates, so exactly one instance runs, cancels or ends a workflow.
      await db.schema.alterTable('workflows').addColumn('runner', 'text').execute();
    },
  },
  '2026-12-05-004-workflow-retention': {
    async up(db: Kysely<unknown>) {
      // Retention looks for finished workflows by the time they last changed (EVENT_RETENTION_DAYS).
      await db.schema
        .createIndex('workflows_status_updated')
        .on('workflows')
        .columns(['status', 'updated_at'])
        .execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
