import { effect, type EffectRef, type Injector, signal, type Signal, untracked } from '@angular/core';
import type { Observable, Subscription } from 'rxjs';
import {
  appendRunHistory,
  EMPTY_RUN_HISTORY,
  PAGE_LIMIT,
  runHistory,
  type RunHistory,
  type WorkflowDetail,
  type WorkflowEventsResponse,
} from '@flowcast/shared-contract';
import type { AppliedEvent } from '../stream/workflow-stream';

/** What the loader follows: a WorkflowStream. */
export interface RunHistorySource {
  /** Its `lastEventId` says how far the stored events go (after a snapshot or a poll too). */
  readonly view: Signal<WorkflowDetail | null>;
  readonly applied$: Observable<AppliedEvent>;
}

export interface RunHistoryLoaderOptions {
  source: RunHistorySource;
  /** `GET /api/workflows/:id/events?after=&limit=` of the workflow. */
  fetchEvents: (after: number, limit: number) => Promise<WorkflowEventsResponse>;
  /** Where the loader's effect lives (until `close()`). */
  injector: Injector;
}

/** A failed page is asked for again after this long (the stream may have nothing more to say). */
const RETRY_MS = 2_000;

/**
 * A workflow's run history (every agent run of every iteration, every step of its cost), kept current: the
 * stream's snapshot holds only the current state, so the stored events up to its `lastEventId` are paged
 * from the events API, and the events the stream applies are folded in after them, in id order. Whenever
 * the events it holds do not reach what the stream has seen (a snapshot, a resume after `stream:reset`, a
 * poll while the stream is down), it pages the missing ones; live events that arrive meanwhile wait.
 */
export class RunHistoryLoader {
  private readonly state = signal<RunHistory>(EMPTY_RUN_HISTORY);
  readonly history: Signal<RunHistory> = this.state.asReadonly();

  private readonly fetchEvents: RunHistoryLoaderOptions['fetchEvents'];
  private readonly subscription: Subscription;
  private readonly watch: EffectRef;
  /** Live events not folded in yet, in id order: they follow a gap that is being loaded. */
  private waiting: AppliedEvent[] = [];
  /** The highest event id known to be stored. */
  private target = 0;
  private loading = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(options: RunHistoryLoaderOptions) {
    this.fetchEvents = options.fetchEvents;
    this.subscription = options.source.applied$.subscribe((event) => {
      this.waiting.push(event);
      this.reach(event.id);
    });
    this.watch = effect(
      () => {
        const latest = options.source.view()?.lastEventId ?? 0;
        untracked(() => this.reach(latest));
      },
      { injector: options.injector },
    );
  }

  close(): void {
    this.closed = true;
    this.subscription.unsubscribe();
    this.watch.destroy();
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.waiting = [];
  }

  private reach(id: number): void {
    this.target = Math.max(this.target, id);
    this.drain();
  }

  /** Folds in the waiting events that follow on; loads the rest when there is a gap. */
  private drain(): void {
    if (this.loading || this.closed || this.retryTimer !== undefined) return;
    let history = this.state();
    while (this.waiting.length > 0 && this.waiting[0].id <= history.lastEventId + 1) {
      history = appendRunHistory(history, this.waiting.shift() as AppliedEvent);
    }
    this.state.set(history);
    if (history.lastEventId < this.goal()) void this.load();
  }

  /** The last id to load: up to the first waiting live event, or all that is known to be stored. */
  private goal(): number {
    return this.waiting.length > 0 ? this.waiting[0].id - 1 : this.target;
  }

  private async load(): Promise<void> {
    this.loading = true;
    try {
      while (this.state().lastEventId < this.goal()) {
        const page = await this.fetchEvents(this.state().lastEventId, PAGE_LIMIT.max);
        if (this.closed) return;
        // The store has none of the missing events (it was reset): no asking in a loop; what waits is
        // folded in past the gap, and the next event or poll that reaches further asks again.
        if (page.items.length === 0) {
          this.state.set(runHistory(this.waiting, this.state()));
          this.waiting = [];
          this.target = this.state().lastEventId;
          break;
        }
        this.state.set(runHistory(page.items, this.state()));
      }
    } catch {
      if (this.closed) return;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.drain();
      }, RETRY_MS);
    } finally {
      this.loading = false;
    }
    this.drain();
  }
}
