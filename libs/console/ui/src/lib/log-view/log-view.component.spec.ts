import { TestBed, type ComponentFixture } from '@angular/core/testing';
import type { LogLevel } from '@flowcast/shared-contract';
import { LOG_WINDOW_ROWS, LogViewComponent, type LogViewLine } from './log-view.component';

const LINE_HEIGHT = 20;
const VIEWPORT_HEIGHT = 200;
// The rows' height is LOG_ROW_PX; the spacer follows it.

function line(n: number, level: LogLevel = 'info', message = `line ${n}`): LogViewLine {
  return {
    key: `${n}:0`,
    level,
    message,
    timestamp: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, n)).toISOString(),
    agentName: 'agent-1',
  };
}

function lines(from: number, to: number): LogViewLine[] {
  return Array.from({ length: to - from + 1 }, (_, i) => line(from + i));
}

describe('LogViewComponent', () => {
  let fixture: ComponentFixture<LogViewComponent>;
  let element: HTMLElement;
  let scroller: HTMLElement;
  const restore: (() => void)[] = [];

  /**
   * jsdom does no layout: the viewport is 200 px high and its content as high as the spacer the virtual
   * list sets (20 px a line held).
   */
  function layOut(): void {
    const viewportOnly = (name: 'clientHeight' | 'scrollHeight', value: (el: HTMLElement) => number) => {
      const original = Object.getOwnPropertyDescriptor(HTMLElement.prototype, name);
      Object.defineProperty(HTMLElement.prototype, name, {
        configurable: true,
        get(this: HTMLElement) {
          return this.tagName === 'CDK-VIRTUAL-SCROLL-VIEWPORT'
            ? value(this)
            : (original?.get?.call(this) ?? 0);
        },
      });
      restore.push(() => original && Object.defineProperty(HTMLElement.prototype, name, original));
    };
    viewportOnly('clientHeight', () => VIEWPORT_HEIGHT);
    // Nor scrollTo: scroll as a browser does, within the content, and report it.
    const originalScrollTo = HTMLElement.prototype.scrollTo;
    HTMLElement.prototype.scrollTo = function (this: HTMLElement, options?: ScrollToOptions | number) {
      const top = typeof options === 'object' ? options.top : undefined;
      if (top === undefined) return;
      const clamped = Math.max(0, Math.min(top, this.scrollHeight - this.clientHeight));
      if (clamped === this.scrollTop) return;
      this.scrollTop = clamped;
      setTimeout(() => this.dispatchEvent(new Event('scroll')));
    } as typeof HTMLElement.prototype.scrollTo;
    restore.push(() => (HTMLElement.prototype.scrollTo = originalScrollTo));
    viewportOnly('scrollHeight', (el) =>
      parseFloat(el.querySelector<HTMLElement>('.cdk-virtual-scroll-spacer')?.style.height || '0'),
    );
  }

  /** Lets the virtual list measure, render and settle (it works on animation frames). */
  async function settle(): Promise<void> {
    for (let n = 0; n < 4; n++) {
      await fixture.whenStable();
      await new Promise((resolve) => requestAnimationFrame(resolve));
    }
    await fixture.whenStable();
  }

  async function show(next: LogViewLine[]): Promise<void> {
    fixture.componentRef.setInput('lines', next);
    await settle();
  }

  function shownLines(): HTMLElement[] {
    return Array.from(element.querySelectorAll('[data-testid="log-line"]'));
  }

  function shownMessages(): (string | null | undefined)[] {
    return shownLines().map((el) => el.querySelector('.message')?.textContent);
  }

  function jumpButton(): HTMLButtonElement | null {
    return element.querySelector('[data-testid="jump-to-latest"]');
  }

  /** Scrolls as a user would: moves the viewport and lets the browser report it. */
  async function userScrollsTo(scrollTop: number): Promise<void> {
    scroller.scrollTop = scrollTop;
    scroller.dispatchEvent(new Event('scroll'));
    await settle();
  }

  async function chooseFilter(filter: string): Promise<void> {
    const button = element.querySelector<HTMLButtonElement>(
      `mat-button-toggle[data-filter="${filter}"] button`,
    );
    button?.click();
    await settle();
  }

  async function typeFilter(text: string): Promise<void> {
    const input = element.querySelector<HTMLInputElement>('[data-testid="log-filter"]') as HTMLInputElement;
    input.value = text;
    input.dispatchEvent(new Event('input'));
    await settle();
  }

  function bottom(): number {
    return scroller.scrollHeight - scroller.clientHeight;
  }

  beforeEach(async () => {
    layOut();
    fixture = TestBed.createComponent(LogViewComponent);
    element = fixture.nativeElement;
    await show([]);
    scroller = element.querySelector('[role="log"]') as HTMLElement;
  });

  afterEach(() => {
    while (restore.length > 0) restore.pop()?.();
  });

  describe('lines', () => {
    it('shows one element per line, marked with its level', async () => {
      await show([line(1, 'info'), line(2, 'warn'), line(3, 'error')]);
      expect(shownLines().map((el) => el.getAttribute('data-level'))).toEqual(['info', 'warn', 'error']);
    });

    it('shows the UTC time with milliseconds, the level, the agent and the message', async () => {
      await show([line(7, 'warn', 'disk almost full')]);
      const [shown] = shownLines();
      expect(shown.querySelector('.time')?.textContent).toBe('03:04:05.007');
      expect(shown.querySelector('time')?.getAttribute('datetime')).toBe('2025-01-02T03:04:05.007Z');
      expect(shown.querySelector('.level')?.textContent).toBe('warn');
      expect(shown.querySelector('.agent')?.textContent).toBe('agent-1');
      expect(shown.querySelector('.message')?.textContent).toBe('disk almost full');
    });

    it('keeps the whitespace of a message', async () => {
      const message = 'table:\n  a   1\n\tb   2';
      await show([line(1, 'info', message)]);
      expect(shownLines()[0].querySelector('.message')?.textContent).toBe(message);
    });

    it('shows a timestamp it cannot parse as it came', async () => {
      await show([{ key: 'x', level: 'info', message: 'm', timestamp: 'soon' }]);
      expect(shownLines()[0].querySelector('.time')?.textContent).toBe('soon');
    });

    it('keeps the element of a line that is still shown when new lines arrive', async () => {
      await show(lines(1, 3));
      const first = shownLines()[0];
      await show(lines(1, 5));
      expect(shownLines()).toHaveLength(5);
      expect(shownLines()[0]).toBe(first);
    });

    it('says so when there are no lines', () => {
      expect(shownLines()).toHaveLength(0);
      expect(element.textContent).toContain('No log lines.');
    });

    it('puts only a window of 200 lines in the page, the newest while following, of 100,000 held', async () => {
      await show(lines(1, 100_000));
      expect(shownLines()).toHaveLength(LOG_WINDOW_ROWS);
      expect(shownMessages()[0]).toBe('line 99801');
      expect(shownMessages()[199]).toBe('line 100000');
      expect(scroller.scrollTop).toBe(100_000 * LINE_HEIGHT - VIEWPORT_HEIGHT);
      expect(element.querySelector('[data-testid="log-count"]')?.textContent?.trim()).toBe(
        '100000 of 100000 lines',
      );
    });

    it('moves the window with the reader', async () => {
      await show(lines(1, 10_000));
      await userScrollsTo(5_000 * LINE_HEIGHT);
      const shown = shownMessages();
      expect(shown).toHaveLength(LOG_WINDOW_ROWS);
      // The 11 rows in view (200 px / 20 px + 1), with the rest of the window on both sides.
      expect(shown).toContain('line 5001');
      expect(shown).toContain('line 5011');
      expect(shown[0]).toBe('line 4907');
    });
  });

  describe('text filter', () => {
    it('shows the lines whose message or agent contains the text, ignoring case', async () => {
      await show([
        line(1, 'info', 'Compiling app'),
        line(2, 'info', 'tests passed'),
        { ...line(3, 'info', 'started'), agentName: 'reviewer' },
      ]);
      await typeFilter('COMPIL');
      expect(shownMessages()).toEqual(['Compiling app']);
      expect(element.querySelector('[data-testid="log-count"]')?.textContent?.trim()).toBe('1 of 3 lines');
      await typeFilter('review');
      expect(shownMessages()).toEqual(['started']);
      await typeFilter('nothing like it');
      expect(shownLines()).toHaveLength(0);
      expect(element.textContent).toContain('No line matches the filters.');
      await typeFilter('');
      expect(shownLines()).toHaveLength(3);
    });

    it('combines with the level filter, over a large log', async () => {
      const many = Array.from({ length: 100_000 }, (_, n) =>
        line(n + 1, n % 10 === 0 ? 'error' : 'info', `step ${n + 1}`),
      );
      await show(many);
      await chooseFilter('error');
      await typeFilter('step 9999');
      // Errors are steps 1, 11, 21, …: of those, "step 9999…" matches 99991.
      expect(shownMessages()).toEqual(['step 99991']);
    });
  });

  describe('reading further back', () => {
    it('asks for earlier lines near the top, unless it shows the start or is full', async () => {
      const wanted = jest.fn();
      fixture.componentInstance.earlierWanted.subscribe(wanted);
      fixture.componentRef.setInput('atStart', false);
      await show(lines(1, 1_000));
      await userScrollsTo(10 * LINE_HEIGHT);
      expect(wanted).toHaveBeenCalledTimes(1);
      expect(element.querySelector('[data-testid="log-earlier"]')?.textContent).toContain(
        'Earlier lines load',
      );

      fixture.componentRef.setInput('full', true);
      await userScrollsTo(5 * LINE_HEIGHT);
      expect(wanted).toHaveBeenCalledTimes(1);
      expect(element.querySelector('[data-testid="log-earlier"]')?.textContent).toContain(
        'the download has every line',
      );

      fixture.componentRef.setInput('full', false);
      fixture.componentRef.setInput('atStart', true);
      await userScrollsTo(0);
      expect(wanted).toHaveBeenCalledTimes(1);
    });

    it('keeps the reader on the lines they read when earlier lines are put in front', async () => {
      fixture.componentRef.setInput('atStart', false);
      await show(lines(1_001, 2_000));
      await userScrollsTo(20 * LINE_HEIGHT);
      expect(shownMessages()).toContain('line 1021');
      await show(lines(1, 2_000));
      // 1,000 lines more above: the same lines are at the top of the view, far from the top of the log.
      expect(scroller.scrollTop).toBe(1_020 * LINE_HEIGHT);
      expect(shownMessages()).toContain('line 1021');
      expect(jumpButton()).not.toBeNull();
    });

    it('says while earlier lines are loading', async () => {
      fixture.componentRef.setInput('loadingEarlier', true);
      await settle();
      expect(element.querySelector('[data-testid="log-earlier"]')?.textContent).toContain(
        'Loading earlier lines',
      );
    });
  });

  describe('download', () => {
    it('offers the whole log as a file when given where it is', async () => {
      expect(element.querySelector('[data-testid="log-download"]')).toBeNull();
      fixture.componentRef.setInput('downloadUrl', '/api/workflows/wf_1/logs/download');
      await settle();
      const link = element.querySelector<HTMLAnchorElement>('[data-testid="log-download"]');
      expect(link?.getAttribute('href')).toBe('/api/workflows/wf_1/logs/download');
      expect(link?.hasAttribute('download')).toBe(true);
    });
  });

  describe('level filter', () => {
    const mixed = [line(1, 'debug'), line(2, 'info'), line(3, 'warn'), line(4, 'error')];

    function shownLevels(): (string | null)[] {
      return shownLines().map((el) => el.getAttribute('data-level'));
    }

    it('shows every level, debug included, by default', async () => {
      await show(mixed);
      expect(shownLevels()).toEqual(['debug', 'info', 'warn', 'error']);
    });

    it('hides the lines below the chosen level', async () => {
      await show(mixed);
      await chooseFilter('info');
      expect(shownLevels()).toEqual(['info', 'warn', 'error']);
      await chooseFilter('warn');
      expect(shownLevels()).toEqual(['warn', 'error']);
      await chooseFilter('error');
      expect(shownLevels()).toEqual(['error']);
    });

    it('shows everything again when "all" is chosen', async () => {
      await show(mixed);
      await chooseFilter('error');
      await chooseFilter('all');
      expect(shownLevels()).toEqual(['debug', 'info', 'warn', 'error']);
    });

    it('applies the chosen level to lines that arrive later', async () => {
      await show(mixed);
      await chooseFilter('warn');
      await show([...mixed, line(5, 'info'), line(6, 'error')]);
      expect(shownLines().map((el) => el.querySelector('.message')?.textContent)).toEqual([
        'line 3',
        'line 4',
        'line 6',
      ]);
    });
  });

  describe('following the newest line', () => {
    it('scrolls to the bottom when new lines arrive', async () => {
      await show(lines(1, 30));
      expect(scroller.scrollTop).toBe(30 * LINE_HEIGHT - VIEWPORT_HEIGHT);
      await show(lines(1, 40));
      expect(scroller.scrollTop).toBe(40 * LINE_HEIGHT - VIEWPORT_HEIGHT);
      expect(jumpButton()).toBeNull();
    });

    it('keeps following when the user is within 40 px of the bottom', async () => {
      await show(lines(1, 30));
      await userScrollsTo(bottom() - 40);
      expect(jumpButton()).toBeNull();
      await show(lines(1, 31));
      expect(scroller.scrollTop).toBe(31 * LINE_HEIGHT - VIEWPORT_HEIGHT);
    });

    it('pauses when the user scrolls up, and offers a jump to the latest line', async () => {
      await show(lines(1, 30));
      await userScrollsTo(100);
      await show(lines(1, 40));
      expect(scroller.scrollTop).toBe(100);
      expect(jumpButton()?.textContent).toContain('Jump to latest');
    });

    it('resumes when the user scrolls back to the bottom', async () => {
      await show(lines(1, 30));
      await userScrollsTo(100);
      await show(lines(1, 40));
      await userScrollsTo(bottom());
      expect(jumpButton()).toBeNull();
      await show(lines(1, 50));
      expect(scroller.scrollTop).toBe(50 * LINE_HEIGHT - VIEWPORT_HEIGHT);
    });

    it('jumps to the latest line and follows again when "Jump to latest" is pressed', async () => {
      await show(lines(1, 30));
      await userScrollsTo(0);
      await show(lines(1, 40));
      jumpButton()?.click();
      await settle();
      expect(scroller.scrollTop).toBe(40 * LINE_HEIGHT - VIEWPORT_HEIGHT);
      expect(jumpButton()).toBeNull();
      await show(lines(1, 45));
      expect(scroller.scrollTop).toBe(45 * LINE_HEIGHT - VIEWPORT_HEIGHT);
    });
  });
});
