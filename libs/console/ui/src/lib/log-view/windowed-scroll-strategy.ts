import type { CdkVirtualScrollViewport, VirtualScrollStrategy } from '@angular/cdk/scrolling';
import { distinctUntilChanged, Subject } from 'rxjs';

/**
 * Virtual scrolling for rows of one fixed height that renders a window of a fixed NUMBER of rows around
 * what is in view (CDK's FixedSizeVirtualScrollStrategy buffers by pixels instead). Following the tail,
 * the window is exactly the newest `windowRows` lines, which is what CONTRACT §7's `log-line` hook counts
 * ("the newest 200"), however many lines the log holds.
 *
 * It also keeps the view on the newest line while `following` is set: after every render it scrolls to
 * the bottom, once the viewport has grown to the new length (the spacer grows a frame after the data).
 */
export class WindowedScrollStrategy implements VirtualScrollStrategy {
  private readonly indexChange = new Subject<number>();
  private viewport: CdkVirtualScrollViewport | null = null;
  /** Keep the newest line in view as lines arrive. */
  following = true;
  /** Where the reader must be kept once the content has grown (lines were put in front of what they read). */
  private pendingOffset: number | null = null;

  readonly scrolledIndexChange = this.indexChange.pipe(distinctUntilChanged());

  constructor(
    readonly rowPx: number,
    readonly windowRows: number,
  ) {}

  attach(viewport: CdkVirtualScrollViewport): void {
    this.viewport = viewport;
    this.update();
  }

  detach(): void {
    this.indexChange.complete();
    this.viewport = null;
  }

  onContentScrolled(): void {
    this.update();
  }

  onDataLengthChanged(): void {
    this.update();
    if (this.following) this.scrollToEnd();
  }

  onContentRendered(): void {
    if (this.following) this.scrollToEnd();
    else this.applyPendingOffset();
  }

  onRenderedOffsetChanged(): void {
    // The offset is ours to set: nothing to do.
  }

  scrollToIndex(index: number, behavior: ScrollBehavior): void {
    this.viewport?.scrollToOffset(index * this.rowPx, behavior);
  }

  /**
   * `rows` lines were put in front of those shown: move down as many, so that the reader keeps seeing the
   * same lines (and is no longer at the top, which would ask for more at once).
   */
  keepPositionAfterInsert(rows: number): void {
    const viewport = this.viewport;
    if (!viewport || rows <= 0 || this.following) return;
    this.pendingOffset = (this.pendingOffset ?? viewport.measureScrollOffset('top')) + rows * this.rowPx;
    this.applyPendingOffset();
  }

  /** Scrolls to the newest line, where the scroll height already allows it (a later render finishes it). */
  scrollToEnd(): void {
    const viewport = this.viewport;
    if (!viewport) return;
    const end = Math.max(0, viewport.getDataLength() * this.rowPx - viewport.getViewportSize());
    if (viewport.measureScrollOffset('top') < end) viewport.scrollToOffset(end);
  }

  /** The scroll height grows a render after the data: try again until the reader is where they belong. */
  private applyPendingOffset(): void {
    const viewport = this.viewport;
    if (!viewport || this.pendingOffset === null) return;
    viewport.scrollToOffset(this.pendingOffset);
    if (Math.abs(viewport.measureScrollOffset('top') - this.pendingOffset) < 1) this.pendingOffset = null;
  }

  private update(): void {
    const viewport = this.viewport;
    if (!viewport) return;
    const length = viewport.getDataLength();
    viewport.setTotalContentSize(length * this.rowPx);
    const offset = viewport.measureScrollOffset('top');
    const first = Math.min(Math.floor(offset / this.rowPx), Math.max(0, length - 1));
    const inView = Math.ceil(viewport.getViewportSize() / this.rowPx) + 1;
    const rows = Math.min(length, Math.max(this.windowRows, inView));
    const range = windowAround(first, inView, rows, length);
    const current = viewport.getRenderedRange();
    if (range.start !== current.start || range.end !== current.end) {
      viewport.setRenderedRange(range);
      viewport.setRenderedContentOffset(range.start * this.rowPx);
    }
    this.indexChange.next(first);
  }
}

/**
 * `rows` rows centred on the `inView` rows from `first`, moved inside [0, length): at the end of the log the
 * window is its last `rows` rows.
 */
export function windowAround(
  first: number,
  inView: number,
  rows: number,
  length: number,
): { start: number; end: number } {
  const centred = first - Math.floor((rows - inView) / 2);
  const start = Math.max(0, Math.min(centred, length - rows));
  return { start, end: Math.min(length, start + rows) };
}
