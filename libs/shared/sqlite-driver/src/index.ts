import type BetterSqlite3 from 'better-sqlite3';

/** better-sqlite3's Database constructor (and, through it, its types). */
export type SqliteDriver = typeof BetterSqlite3;
export type SqliteDatabase = BetterSqlite3.Database;

/**
 * better-sqlite3 for the running Node.js: 12 on Node 20, 13 (installed as `better-sqlite3-napi`) on Node 22
 * and later. Neither runs everywhere: 12 wraps its objects in the old `node::ObjectWrap`, whose destructor
 * aborts the process on Node 24 when a statement is collected outside an environment (a worker's or the
 * process's teardown, and at times a plain GC: WiseLibs/better-sqlite3#1515); 13 uses Node-API and fixes
 * that, but needs Node 22 (on Node 20 it crashes). Both have the same API. Drop 12 with Node 20.
 */
export function loadSqliteDriver(): SqliteDriver {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22) return require('better-sqlite3') as SqliteDriver;
  try {
    return require('better-sqlite3-napi') as SqliteDriver;
  } catch (error) {
    throw new Error(
      `Node.js ${process.versions.node} needs better-sqlite3 13 (the optional dependency better-sqlite3-napi), ` +
        `which did not load: ${(error as Error).message}. Run npm ci (or npm rebuild better-sqlite3-napi) with this Node.`,
    );
  }
}
