import { Injectable } from '@nestjs/common';

/**
 * SQLite result codes (better-sqlite3's `code`, extended codes included by prefix) that say the store cannot
 * write for now, whatever was asked: a full disk, a read-only file, an I/O error, a lock held too long.
 */
const SQLITE_UNAVAILABLE = [
  'SQLITE_FULL',
  'SQLITE_READONLY',
  'SQLITE_IOERR',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_CANTOPEN',
  'SQLITE_NOMEM',
  'SQLITE_PROTOCOL',
];

/**
 * PostgreSQL SQLSTATEs of the same kind: connection exceptions (08), insufficient resources (53: disk full,
 * out of memory, too many connections), operator intervention (57P01-57P05: shutdown, restart), a read-only
 * (standby) server (25006), I/O error (58030), and transactions the server asks to retry (40001, 40P01).
 */
const POSTGRES_UNAVAILABLE = /^(08|53|57P0|25006$|58030$|40001$|40P01$)/;

/** Socket errors of a store that is down or unreachable (node-postgres passes them through). */
const NETWORK_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** node-postgres' own messages for a connection that broke or could not be made in time. */
const POSTGRES_CONNECTION_MESSAGE =
  /Connection terminated|connection error|timeout exceeded when trying to connect|not queryable|Client was closed/i;

/**
 * Whether `error` means the store is unavailable for now (down, unreachable, full, read-only), so the same
 * request may well succeed later, as opposed to a refusal of this request (a constraint, bad data, a bug),
 * which retrying cannot mend.
 */
export function isStoreUnavailable(error: unknown): boolean {
  // Duck-typed, not `instanceof Error`: a native driver's error may come from another realm (a VM context).
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (code.startsWith('SQLITE_')) return SQLITE_UNAVAILABLE.some((prefix) => code.startsWith(prefix));
    if (NETWORK_UNAVAILABLE.has(code)) return true;
    if (POSTGRES_UNAVAILABLE.test(code)) return true;
  }
  return typeof message === 'string' && POSTGRES_CONNECTION_MESSAGE.test(message);
}

/** Since when the store has refused writes, and the latest reason it gave. */
export interface StoreFault {
  /** Epoch milliseconds of the first refused write of this outage. */
  since: number;
  reason: string;
}

type FaultListener = (fault: StoreFault | null) => void;

/**
 * Whether the store takes writes. The event log reports each write the store refused for being unavailable
 * (it keeps the events and tries again) and each commit that succeeded; the health check, the engine (which
 * pauses new runs and ends the running ones past STORE_OUTAGE_LIMIT_MS) and the metrics read it.
 */
@Injectable()
export class StoreFaults {
  private current: StoreFault | null = null;
  private readonly listeners = new Set<FaultListener>();
  /** Writes the store refused as unavailable, since start. */
  failures = 0;

  get fault(): StoreFault | null {
    return this.current;
  }

  writeFailed(error: unknown): void {
    this.failures++;
    const message = (error as { message?: unknown } | null)?.message;
    const reason = typeof message === 'string' ? message : String(error);
    if (this.current) {
      this.current.reason = reason;
      return;
    }
    this.current = { since: Date.now(), reason };
    this.notify();
  }

  writeSucceeded(): void {
    if (!this.current) return;
    this.current = null;
    this.notify();
  }

  /** Calls `listener` when an outage begins (with it) and when it ends (with null); returns the unsubscribe. */
  onChange(listener: FaultListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this.current);
  }
}
