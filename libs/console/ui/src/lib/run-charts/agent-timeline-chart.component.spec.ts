import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { EMPTY_RUN_HISTORY, type AgentBar, type RunHistory } from '@flowcast/shared-contract';
import { AgentTimelineChartComponent } from './agent-timeline-chart.component';

const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);
const AGENTS = [
  { agentName: 'dev', stepNumber: 1 },
  { agentName: 'review', stepNumber: 2 },
];

function bar(
  overrides: Partial<AgentBar> & Pick<AgentBar, 'agentName' | 'stepNumber' | 'iteration'>,
): AgentBar {
  return {
    status: 'completed',
    startMs: 0,
    endMs: 1_000,
    duration: 1_000,
    cost: 0.4,
    error: null,
    ...overrides,
  };
}

const FINISHED: RunHistory = {
  ...EMPTY_RUN_HISTORY,
  startedAt: new Date(T0).toISOString(),
  endMs: 4_000,
  iteration: 2,
  totalCost: 1.5,
  bars: [
    bar({ agentName: 'dev', stepNumber: 1, iteration: 1, startMs: 100, endMs: 1_100, duration: 1_000 }),
    bar({
      agentName: 'review',
      stepNumber: 2,
      iteration: 1,
      status: 'failed',
      startMs: 1_200,
      endMs: 1_700,
      duration: 500,
      cost: 0.3,
      error: 'bad',
    }),
    bar({ agentName: 'dev', stepNumber: 1, iteration: 2, startMs: 1_800, endMs: 2_800, duration: 1_000 }),
    bar({ agentName: 'review', stepNumber: 2, iteration: 2, startMs: 2_900, endMs: 4_000, duration: 1_200 }),
  ],
};

describe('AgentTimelineChartComponent', () => {
  let fixture: ComponentFixture<AgentTimelineChartComponent>;

  async function show(history: RunHistory, agents = AGENTS): Promise<SVGElement[]> {
    fixture.componentRef.setInput('history', history);
    fixture.componentRef.setInput('agents', agents);
    fixture.detectChanges();
    return bars();
  }

  function bars(): SVGElement[] {
    return Array.from(
      (fixture.nativeElement as HTMLElement).querySelectorAll('[data-testid="timeline-bar"]'),
    );
  }

  function svg(): SVGSVGElement {
    return (fixture.nativeElement as HTMLElement).querySelector(
      'svg[data-testid="agent-timeline-chart"]',
    ) as SVGSVGElement;
  }

  function rect(element: SVGElement): { x: number; y: number; width: number } {
    const shape = element.querySelector('rect') as SVGRectElement;
    return {
      x: Number(shape.getAttribute('x')),
      y: Number(shape.getAttribute('y')),
      width: Number(shape.getAttribute('width')),
    };
  }

  beforeEach(() => {
    jest.useFakeTimers({ now: T0 + 10_000 });
    fixture = TestBed.createComponent(AgentTimelineChartComponent);
  });

  afterEach(() => jest.useRealTimers());

  it('draws one bar per agent run with its test hooks', async () => {
    const drawn = await show(FINISHED);
    expect(
      drawn.map((element) => [
        element.dataset['agent'],
        element.dataset['iteration'],
        element.dataset['status'],
        element.dataset['startMs'],
        element.dataset['endMs'],
      ]),
    ).toEqual([
      ['dev', '1', 'completed', '100', '1100'],
      ['review', '1', 'failed', '1200', '1700'],
      ['dev', '2', 'completed', '1800', '2800'],
      ['review', '2', 'completed', '2900', '4000'],
    ]);
  });

  it('labels each bar in words, with a failure’s reason', async () => {
    const drawn = await show(FINISHED);
    expect(drawn[0].getAttribute('role')).toBe('img');
    expect(drawn[0].getAttribute('aria-label')).toBe('dev, iteration 1: completed, 1 s, $0.40');
    expect(drawn[1].getAttribute('aria-label')).toBe('review, iteration 1: failed (bad), 500 ms, $0.30');
    expect(drawn[3].querySelector('title')?.textContent).toBe('review, iteration 2: completed, 1.2 s, $0.40');
  });

  it('puts the bars on their agent’s row in step order, left to right in time', async () => {
    const drawn = (await show(FINISHED)).map(rect);
    expect(drawn[0].y).toBe(drawn[2].y);
    expect(drawn[1].y).toBe(drawn[3].y);
    expect(drawn[1].y).toBeGreaterThan(drawn[0].y);
    expect(drawn[2].x).toBeGreaterThan(drawn[0].x + drawn[0].width);
    // The last bar ends where the run ended: the right end of the axis.
    expect(drawn[3].x + drawn[3].width).toBeCloseTo(480 - 16);
    const labels = Array.from(svg().querySelectorAll('.row-label')).map((text) => text.textContent?.trim());
    expect(labels).toEqual(['dev', 'review']);
  });

  it('tells the statuses apart by pattern and legend as well as colour', async () => {
    const drawn = await show(FINISHED);
    expect(drawn[1].querySelector('rect.hatching')).not.toBeNull();
    expect(drawn[0].querySelector('rect.hatching')).toBeNull();
    const keys = (fixture.nativeElement as HTMLElement).querySelectorAll('figcaption .key');
    expect(Array.from(keys).map((key) => key.textContent?.trim())).toEqual([
      'running',
      'completed',
      'failed',
    ]);
  });

  it('sums the run up on the svg and marks the time axis', async () => {
    await show(FINISHED);
    expect(svg().getAttribute('aria-label')).toBe(
      'Agent timeline: 4 agent runs over 4 s: 3 completed, 1 failed.',
    );
    expect(svg().getAttribute('viewBox')).toBe('0 0 480 80');
    const ticks = Array.from(svg().querySelectorAll('.axis text')).map((text) => text.textContent?.trim());
    expect(ticks).toEqual(['0', '1 s', '2 s', '3 s', '4 s']);
  });

  it('grows a running agent’s bar up to now, every second', async () => {
    const running: RunHistory = {
      ...FINISHED,
      endMs: null,
      bars: [
        bar({
          agentName: 'dev',
          stepNumber: 1,
          iteration: 1,
          status: 'running',
          startMs: 2_000,
          endMs: null,
          duration: null,
          cost: 0.1,
        }),
      ],
    };
    const [first] = await show(running);
    expect(first.dataset['endMs']).toBe('10000');
    expect(first.getAttribute('aria-label')).toBe('dev, iteration 1: running, 8 s, $0.10');
    const before = rect(first);

    jest.advanceTimersByTime(2_000);
    fixture.detectChanges();
    const [grown] = bars();
    expect(grown.dataset['endMs']).toBe('12000');
    expect(grown.getAttribute('aria-label')).toBe('dev, iteration 1: running, 10 s, $0.10');
    // The axis stretches to now: the bar starts further left and still reaches the right end.
    expect(rect(grown).x).toBeLessThan(before.x);
    expect(rect(grown).x + rect(grown).width).toBeCloseTo(480 - 16);
  });

  it('shows every agent’s row before anything has run', async () => {
    const drawn = await show(EMPTY_RUN_HISTORY);
    expect(drawn).toEqual([]);
    expect(svg().getAttribute('aria-label')).toBe('Agent timeline: no agent has run yet.');
    expect(svg().querySelectorAll('.row-label')).toHaveLength(2);
  });
});
