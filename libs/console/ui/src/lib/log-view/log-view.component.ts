import { CdkVirtualForOf, CdkVirtualScrollViewport, VIRTUAL_SCROLL_STRATEGY } from '@angular/cdk/scrolling';
import {
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  inject,
  input,
  output,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { MatButton } from '@angular/material/button';
import { MatButtonToggle, MatButtonToggleGroup } from '@angular/material/button-toggle';
import { MatFormField, MatLabel } from '@angular/material/form-field';
import { MatInput } from '@angular/material/input';
import type { LogLevel } from '@flowcast/shared-contract';
import { WindowedScrollStrategy } from './windowed-scroll-strategy';

/** One line as the log view shows it; `key` must be unique and stable (e.g. `<eventId>:<index>`). */
export interface LogViewLine {
  key: string;
  level: LogLevel;
  message: string;
  timestamp: string;
  agentName?: string;
}

/** The lowest level shown; `all` includes `debug`. */
export type LogLevelFilter = 'all' | 'info' | 'warn' | 'error';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const FILTER_RANK: Record<LogLevelFilter, number> = { all: 0, info: 1, warn: 2, error: 3 };

/** Every row is one line of this height (CSS `--fc-log-row`): what lets 100,000 lines scroll as 200. */
export const LOG_ROW_PX = 20;
/** Rows in the DOM at a time, around what is in view (the newest 200 when following: CONTRACT §7). */
export const LOG_WINDOW_ROWS = 200;
/** Within this distance of the bottom the view counts as following the newest lines. */
const FOLLOW_THRESHOLD_PX = 2 * LOG_ROW_PX;
/** Within this many rows of the top, the view asks for earlier lines. */
const EARLIER_THRESHOLD_ROWS = 50;

/** `HH:mm:ss.SSS` in UTC; the raw text when the timestamp cannot be parsed. */
function formatTime(timestamp: string): string {
  const time = Date.parse(timestamp);
  return Number.isNaN(time) ? timestamp : new Date(time).toISOString().slice(11, 23);
}

/**
 * A workflow's log, built to hold 100,000 lines: a virtual list (one row a line, long lines scroll
 * sideways) with a level filter and a text filter. It follows the newest line until the user scrolls up,
 * and follows again once they scroll back to the bottom or press "Jump to latest". Near the top it asks for
 * earlier lines (`earlierWanted`); `downloadUrl` offers the whole log as a file.
 */
@Component({
  selector: 'fc-log-view',
  imports: [
    CdkVirtualScrollViewport,
    CdkVirtualForOf,
    MatButton,
    MatButtonToggle,
    MatButtonToggleGroup,
    MatFormField,
    MatLabel,
    MatInput,
  ],
  templateUrl: './log-view.component.html',
  styleUrl: './log-view.component.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
  providers: [
    {
      provide: VIRTUAL_SCROLL_STRATEGY,
      useFactory: () => new WindowedScrollStrategy(LOG_ROW_PX, LOG_WINDOW_ROWS),
    },
  ],
  host: { '[style.--fc-log-row.px]': 'rowPx' },
})
export class LogViewComponent {
  /** A new array whenever the lines change (never changed in place). */
  readonly lines = input.required<readonly LogViewLine[]>();
  /** Earlier lines are being read. */
  readonly loadingEarlier = input(false);
  /** The lines shown begin with the workflow's first line. */
  readonly atStart = input(true);
  /** As many lines are held as can be: no earlier ones will be read. */
  readonly full = input(false);
  /** Where the whole log can be downloaded (a plain-text file); no button without it. */
  readonly downloadUrl = input<string | null>(null);
  /** The reader is near the top of the lines held: read earlier ones, if there are any. */
  readonly earlierWanted = output<void>();

  protected readonly rowPx = LOG_ROW_PX;
  protected readonly filterOptions: readonly LogLevelFilter[] = ['all', 'info', 'warn', 'error'];
  protected readonly filter = signal<LogLevelFilter>('all');
  protected readonly query = signal('');
  /** False while the user has scrolled away from the bottom. */
  protected readonly following = signal(true);

  private readonly strategy = inject(VIRTUAL_SCROLL_STRATEGY) as WindowedScrollStrategy;
  private readonly viewport = viewChild.required(CdkVirtualScrollViewport);

  /**
   * The lines that pass both filters (the lines themselves when nothing is filtered: a new array comes in
   * on every change, which is what the virtual list diffs by).
   */
  protected readonly visibleLines = computed<readonly LogViewLine[]>(() => {
    const lines = this.lines();
    const minRank = FILTER_RANK[this.filter()];
    const text = this.query().trim().toLowerCase();
    if (minRank === 0 && text === '') return lines;
    return lines.filter(
      (line) =>
        LEVEL_RANK[line.level] >= minRank &&
        (text === '' ||
          line.message.toLowerCase().includes(text) ||
          (line.agentName?.toLowerCase().includes(text) ?? false)),
    );
  });

  protected readonly trackByKey = (_index: number, line: LogViewLine): string => line.key;
  protected readonly time = formatTime;

  /** The first line held and the first shown at the last change: to keep the reader in place. */
  private firstHeld: string | null = null;
  private firstShown: string | null = null;

  constructor() {
    // Earlier lines were put in front (the first line held changed, the one before is still there): keep
    // the reader on the lines they were reading.
    effect(() => {
      const shown = this.visibleLines();
      untracked(() => {
        const held = this.lines()[0]?.key ?? null;
        const previous = this.firstShown;
        const inserted = this.firstHeld !== null && held !== this.firstHeld;
        this.firstHeld = held;
        this.firstShown = shown[0]?.key ?? null;
        if (!inserted || previous === null || this.following()) return;
        const moved = shown.findIndex((line) => line.key === previous);
        if (moved > 0) this.strategy.keepPositionAfterInsert(moved);
      });
    });
    effect(() => {
      const following = this.following();
      untracked(() => {
        this.strategy.following = following;
        if (following) this.strategy.scrollToEnd();
      });
    });
  }

  protected selectFilter(value: LogLevelFilter): void {
    this.filter.set(value);
  }

  protected setQuery(value: string): void {
    this.query.set(value);
  }

  protected onScroll(): void {
    const viewport = this.viewport();
    this.following.set(viewport.measureScrollOffset('bottom') <= FOLLOW_THRESHOLD_PX);
    if (
      viewport.measureScrollOffset('top') < EARLIER_THRESHOLD_ROWS * LOG_ROW_PX &&
      !this.atStart() &&
      !this.full()
    )
      this.earlierWanted.emit();
  }

  protected jumpToLatest(): void {
    this.following.set(true);
  }
}
