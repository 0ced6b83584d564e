import {
  ChangeDetectionStrategy,
  Component,
  type ElementRef,
  afterRenderEffect,
  computed,
  input,
  signal,
  viewChild,
} from '@angular/core';
import { MatButton } from '@angular/material/button';
import { MatButtonToggle, MatButtonToggleGroup } from '@angular/material/button-toggle';
import type { LogLevel } from '@flowcast/shared-contract';

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

/** Within this distance of the bottom the view counts as following the newest lines. */
const FOLLOW_THRESHOLD_PX = 40;

/** `HH:mm:ss.SSS` in UTC; the raw text when the timestamp cannot be parsed. */
function formatTime(timestamp: string): string {
  const time = Date.parse(timestamp);
  return Number.isNaN(time) ? timestamp : new Date(time).toISOString().slice(11, 23);
}

/**
 * A workflow's log: a scrollable list with a level filter. It follows the newest line until the user scrolls
 * up, and follows again once they scroll back to the bottom or press "Jump to latest".
 */
@Component({
  selector: 'fc-log-view',
  imports: [MatButton, MatButtonToggle, MatButtonToggleGroup],
  templateUrl: './log-view.component.html',
  styleUrl: './log-view.component.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LogViewComponent {
  readonly lines = input.required<LogViewLine[]>();

  protected readonly filterOptions: readonly LogLevelFilter[] = ['all', 'info', 'warn', 'error'];
  protected readonly filter = signal<LogLevelFilter>('all');
  /** False while the user has scrolled away from the bottom. */
  protected readonly following = signal(true);

  protected readonly visibleLines = computed(() => {
    const minRank = FILTER_RANK[this.filter()];
    return this.lines()
      .filter((line) => LEVEL_RANK[line.level] >= minRank)
      .map((line) => ({ ...line, time: formatTime(line.timestamp) }));
  });

  private readonly scroller = viewChild.required<ElementRef<HTMLElement>>('scroller');

  constructor() {
    afterRenderEffect({
      write: () => {
        this.visibleLines();
        if (this.following()) this.scrollToBottom();
      },
    });
  }

  protected selectFilter(value: LogLevelFilter): void {
    this.filter.set(value);
  }

  protected onScroll(): void {
    const element = this.scroller().nativeElement;
    const distance = element.scrollHeight - element.scrollTop - element.clientHeight;
    this.following.set(distance <= FOLLOW_THRESHOLD_PX);
  }

  protected jumpToLatest(): void {
    this.following.set(true);
    this.scrollToBottom();
  }

  private scrollToBottom(): void {
    const element = this.scroller().nativeElement;
    element.scrollTop = element.scrollHeight;
  }
}
