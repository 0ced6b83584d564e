import { setTimeout as sleep } from 'node:timers/promises';
import {
  Inject,
  Injectable,
  InjectionToken,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import { FLOWCAST_CONFIG, type FlowcastConfig } from '@flowcast/api-core';
import { WorkflowListFeed } from '../list/workflow-list-feed';
import { WorkflowsRepository } from '../workflows.repository';

const DAY_MS = 86_400_000;
/** How often the store is looked through for expired workflows. */
export const RETENTION_INTERVAL_MS = 10 * 60_000;
/** Workflows looked at per query. */
const CANDIDATES = 100;
/**
 * Events deleted per transaction, at most (a workflow with more is deleted on its own): on SQLite a
 * delete holds the one writer, so batches stay small and appends get through between them.
 */
export const RETENTION_BATCH_EVENTS = 5_000;
/** The pause between batches, in which appends (and everything else) go on. */
const PAUSE_MS = 20;

/** Milliseconds since the epoch: `Date.now`, or a fake clock in tests. */
export type Clock = () => number;
export const RETENTION_CLOCK: InjectionToken<Clock> = Symbol('RETENTION_CLOCK');

/**
 * EVENT_RETENTION_DAYS: deletes finished workflows (and their events) that last changed longer ago than
 * that, in the background: at start and then every ten minutes, in small transactions with pauses between
 * them. A running or pending workflow is never touched, however old. Each deletion goes out on the list
 * stream (`workflow:deleted`) and ends the workflow's open streams, as a DELETE does. Unset: keep everything.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RetentionService.name);
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | null = null;
  private stopped = false;

  constructor(
    @Inject(FLOWCAST_CONFIG) private readonly config: FlowcastConfig,
    @Inject(WorkflowsRepository) private readonly workflows: WorkflowsRepository,
    @Inject(WorkflowListFeed) private readonly listFeed: WorkflowListFeed,
    @Optional() @Inject(RETENTION_CLOCK) private readonly now: Clock = Date.now,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.retentionDays === null) return;
    this.logger.log(`Finished workflows are deleted ${this.config.retentionDays} days after they end`);
    void this.sweepLogged();
    this.timer = setInterval(() => void this.sweepLogged(), RETENTION_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.sweeping?.catch(() => undefined);
  }

  /** Deletes every expired workflow now; resolves to how many. One sweep at a time (a second call joins it). */
  sweep(): Promise<number> {
    this.sweeping ??= this.deleteExpired().finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  private async sweepLogged(): Promise<void> {
    try {
      const deleted = await this.sweep();
      if (deleted > 0) this.logger.log(`Retention deleted ${deleted} finished workflows`);
    } catch (error) {
      // The store is away or refused: the next sweep tries again.
      this.logger.warn(`Retention sweep failed: ${(error as Error).message}`);
    }
  }

  private async deleteExpired(): Promise<number> {
    const days = this.config.retentionDays;
    if (days === null) return 0;
    const before = new Date(this.now() - days * DAY_MS).toISOString();
    let deleted = 0;
    while (!this.stopped) {
      const candidates = await this.workflows.findFinishedBefore(before, CANDIDATES);
      if (candidates.length === 0) break;
      for (const batch of batches(candidates)) {
        for (const gone of await this.workflows.deleteFinished(batch)) {
          this.listFeed.deleted(gone.ownerId, gone.id);
          deleted++;
        }
        await sleep(PAUSE_MS);
        if (this.stopped) break;
      }
      if (candidates.length < CANDIDATES) break;
    }
    return deleted;
  }
}

/** Ids in groups holding at most RETENTION_BATCH_EVENTS events (a larger workflow alone). */
function batches(candidates: { id: string; events: number }[]): string[][] {
  const groups: string[][] = [];
  let group: string[] = [];
  let events = 0;
  for (const candidate of candidates) {
    if (group.length > 0 && events + candidate.events > RETENTION_BATCH_EVENTS) {
      groups.push(group);
      group = [];
      events = 0;
    }
    group.push(candidate.id);
    events += candidate.events;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
