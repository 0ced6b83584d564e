import { computed, signal, type Signal } from '@angular/core';
import {
  SNAPSHOT_LOG_LINES,
  type LogLevel,
  type WorkflowLogItem,
  type WorkflowLogsResponse,
} from '@flowcast/shared-contract';

/** How many of a workflow's newest log lines the console holds (the download has them all). */
export const LOG_CAPACITY = 100_000;

/** Lines asked for per page when reading further back. */
export const EARLIER_PAGE_LINES = 1_000;

/** One log line as the console shows it. */
export interface LogEntry {
  /** `<eventId>:<index in its log:batch>`, or `snapshot:<snapshotId>:<n>` for a snapshot's line (no id). */
  key: string;
  level: LogLevel;
  message: string;
  timestamp: string;
  agentName?: string;
}

/** `GET /api/workflows/:id/logs?before=&limit=`: the newest lines of the events before `before`. */
export type EarlierLogsFetcher = (before: number, limit: number) => Promise<WorkflowLogsResponse>;

/**
 * A workflow's log as the console holds it: the newest `capacity` lines, oldest first. The stream appends
 * to it; a snapshot replaces it (its lines carry no ids), after which the lines up to the snapshot are read
 * again from the REST API with their ids, and further back a page at a time as the reader scrolls up.
 *
 * Built for 100,000 lines arriving by the thousand: lines are kept in one array changed in place, and
 * `lines` copies it only when read after a change (once a frame at most, as the page renders), not on every
 * event; what it hands out never changes afterwards.
 */
export class WorkflowLog {
  private readonly held: LogEntry[] = [];
  /** Bumped on every change of `held`. */
  private readonly revision = signal(0);
  private readonly loadingState = signal(false);
  private readonly startState = signal(false);
  /** The snapshot whose lines have no ids yet: they are replaced by the first page read back. */
  private snapshotId: number | null = null;
  /** Bumped by each snapshot, so that a page asked for before it is not mixed into the new log. */
  private generation = 0;

  /** The held lines, oldest first (the same array, changed in place). */
  readonly lines: Signal<readonly LogEntry[]> = computed(() => {
    this.revision();
    return this.held.slice();
  });
  /** A page of earlier lines is on its way. */
  readonly loadingEarlier: Signal<boolean> = this.loadingState.asReadonly();
  /** The held lines begin with the workflow's first line. */
  readonly atStart: Signal<boolean> = this.startState.asReadonly();

  constructor(
    private readonly fetchEarlier: EarlierLogsFetcher | null,
    readonly capacity = LOG_CAPACITY,
  ) {}

  /** The log is the snapshot's lines (the newest few, without ids) until the lines up to it are read back. */
  replaceWithSnapshot(lines: LogEntry[], snapshotId: number): void {
    this.generation++;
    this.loadingState.set(false);
    this.held.length = 0;
    this.held.push(...lines.slice(-this.capacity));
    // Fewer lines than a snapshot carries at most: these are all there are up to it.
    const complete = lines.length < SNAPSHOT_LOG_LINES;
    this.snapshotId = complete ? null : snapshotId;
    this.startState.set(complete);
    this.changed();
    void this.loadEarlier();
  }

  append(lines: LogEntry[]): void {
    if (lines.length === 0) return;
    for (const line of lines) this.held.push(line);
    const excess = this.held.length - this.capacity;
    if (excess > 0) {
      this.held.splice(0, excess);
      this.startState.set(false);
    }
    this.changed();
  }

  private changed(): void {
    this.revision.update((n) => n + 1);
  }

  /** There is more to read further back, and room to hold it. */
  canLoadEarlier(): boolean {
    return (
      this.fetchEarlier !== null &&
      !this.loadingState() &&
      !this.startState() &&
      (this.snapshotId !== null || (this.held.length > 0 && this.held.length < this.capacity))
    );
  }

  /** Reads the page before the oldest held line (or the lines up to the snapshot) and puts it in front. */
  async loadEarlier(): Promise<void> {
    if (!this.canLoadEarlier() || this.fetchEarlier === null) return;
    const generation = this.generation;
    const replacing = this.snapshotId;
    const before = replacing !== null ? replacing + 1 : eventIdOf(this.held[0]);
    if (before === null) return;
    this.loadingState.set(true);
    try {
      const page = await this.fetchEarlier(before, EARLIER_PAGE_LINES);
      if (generation !== this.generation) return;
      const earlier = page.items.map(entryOf);
      if (replacing !== null) {
        // The snapshot's lines are the newest of these: drop them for the same lines with ids.
        const withoutIds = this.held.findIndex((line) => !line.key.startsWith('snapshot:'));
        this.held.splice(0, withoutIds === -1 ? this.held.length : withoutIds);
        this.snapshotId = null;
      }
      const room = this.capacity - this.held.length;
      this.held.unshift(...earlier.slice(Math.max(0, earlier.length - room)));
      if (earlier.length === 0) this.startState.set(true);
      this.changed();
    } catch {
      // Left as it was: the reader can scroll up again (the snapshot's lines stay shown meanwhile).
    } finally {
      if (generation === this.generation) this.loadingState.set(false);
    }
  }
}

function entryOf(item: WorkflowLogItem): LogEntry {
  return {
    key: `${item.id}:${item.index}`,
    level: item.level,
    message: item.message,
    timestamp: item.timestamp,
    ...(item.agentName === undefined ? {} : { agentName: item.agentName }),
  };
}

/** The stored event that holds a line, from its key; null for a snapshot's line. */
function eventIdOf(line: LogEntry | undefined): number | null {
  if (line === undefined) return null;
  const id = Number(line.key.slice(0, line.key.indexOf(':')));
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}
