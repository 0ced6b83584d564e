import { TestBed, type ComponentFixture } from '@angular/core/testing';
import type { LogLevel } from '@flowcast/shared-contract';
import { LogViewComponent, type LogViewLine } from './log-view.component';

const LINE_HEIGHT = 20;
const VIEWPORT_HEIGHT = 200;

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

  async function show(next: LogViewLine[]): Promise<void> {
    fixture.componentRef.setInput('lines', next);
    await fixture.whenStable();
  }

  function shownLines(): HTMLElement[] {
    return Array.from(element.querySelectorAll('[data-testid="log-line"]'));
  }

  function jumpButton(): HTMLButtonElement | null {
    return element.querySelector('[data-testid="jump-to-latest"]');
  }

  /** Scrolls as a user would: moves the viewport and lets the browser report it. */
  async function userScrollsTo(scrollTop: number): Promise<void> {
    scroller.scrollTop = scrollTop;
    scroller.dispatchEvent(new Event('scroll'));
    await fixture.whenStable();
  }

  async function chooseFilter(filter: string): Promise<void> {
    const button = element.querySelector<HTMLButtonElement>(
      `mat-button-toggle[data-filter="${filter}"] button`,
    );
    button?.click();
    await fixture.whenStable();
  }

  function bottom(): number {
    return scroller.scrollHeight - scroller.clientHeight;
  }

  beforeEach(async () => {
    fixture = TestBed.createComponent(LogViewComponent);
    element = fixture.nativeElement;
    await show([]);
    scroller = element.querySelector('[role="log"]') as HTMLElement;
    // jsdom does no layout: give the list a height that grows with its lines, in a 200 px viewport.
    Object.defineProperty(scroller, 'scrollHeight', {
      configurable: true,
      get: () => scroller.querySelectorAll('[data-testid="log-line"]').length * LINE_HEIGHT,
    });
    Object.defineProperty(scroller, 'clientHeight', { configurable: true, get: () => VIEWPORT_HEIGHT });
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
      expect(scroller.scrollTop).toBe(30 * LINE_HEIGHT);
      await show(lines(1, 40));
      expect(scroller.scrollTop).toBe(40 * LINE_HEIGHT);
      expect(jumpButton()).toBeNull();
    });

    it('keeps following when the user is within 40 px of the bottom', async () => {
      await show(lines(1, 30));
      await userScrollsTo(bottom() - 40);
      expect(jumpButton()).toBeNull();
      await show(lines(1, 31));
      expect(scroller.scrollTop).toBe(31 * LINE_HEIGHT);
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
      expect(scroller.scrollTop).toBe(50 * LINE_HEIGHT);
    });

    it('jumps to the latest line and follows again when "Jump to latest" is pressed', async () => {
      await show(lines(1, 30));
      await userScrollsTo(0);
      await show(lines(1, 40));
      jumpButton()?.click();
      await fixture.whenStable();
      expect(scroller.scrollTop).toBe(40 * LINE_HEIGHT);
      expect(jumpButton()).toBeNull();
      await show(lines(1, 45));
      expect(scroller.scrollTop).toBe(45 * LINE_HEIGHT);
    });
  });
});
