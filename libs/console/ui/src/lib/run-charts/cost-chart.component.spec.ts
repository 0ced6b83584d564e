import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { EMPTY_RUN_HISTORY, type RunHistory } from '@flowcast/shared-contract';
import { CostChartComponent } from './cost-chart.component';

const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);

const FINISHED: RunHistory = {
  ...EMPTY_RUN_HISTORY,
  startedAt: new Date(T0).toISOString(),
  endMs: 4_000,
  iteration: 1,
  totalCost: 2.75,
  costPoints: [
    { atMs: 0, cost: 0 },
    { atMs: 1_000, cost: 1 },
    { atMs: 2_000, cost: 1.5 },
    { atMs: 3_500, cost: 2.75 },
  ],
};

describe('CostChartComponent', () => {
  let fixture: ComponentFixture<CostChartComponent>;

  function show(history: RunHistory, budgetLimit: number | null): HTMLElement {
    fixture.componentRef.setInput('history', history);
    fixture.componentRef.setInput('budgetLimit', budgetLimit);
    fixture.detectChanges();
    return fixture.nativeElement as HTMLElement;
  }

  function hook(root: HTMLElement, id: string): SVGElement | null {
    return root.querySelector(`[data-testid="${id}"]`);
  }

  const y = (element: SVGElement | null) => Number(element?.getAttribute('y1'));

  beforeEach(() => {
    jest.useFakeTimers({ now: T0 + 10_000 });
    fixture = TestBed.createComponent(CostChartComponent);
  });

  afterEach(() => jest.useRealTimers());

  it('draws the total cost as a step line that ends at the final total, exactly', () => {
    const root = show(FINISHED, 5);
    const line = hook(root, 'cost-line');
    expect(line?.getAttribute('data-final-cost')).toBe('2.75');
    // A step line: horizontal then vertical segments only (d3's curveStepAfter), ending at the run's end.
    const d = line?.getAttribute('d') ?? '';
    expect(d).toMatch(/^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+)+$/);
    const points = d
      .slice(1)
      .split('L')
      .map((pair) => pair.split(',').map(Number));
    for (let index = 1; index < points.length; index++) {
      const [[x0, y0], [x1, y1]] = [points[index - 1], points[index]];
      expect(x0 === x1 || y0 === y1).toBe(true);
    }
    expect(points.at(-1)?.[0]).toBeCloseTo(480 - 16);
  });

  it('draws the budget and the 80 % warning line, labelled, above the cost axis', () => {
    const root = show(FINISHED, 5);
    const budget = hook(root, 'budget-line');
    const warning = hook(root, 'budget-warning-line');
    expect(budget?.getAttribute('data-cost')).toBe('5');
    expect(warning?.getAttribute('data-cost')).toBe('4');
    // Higher values are drawn higher up: smaller y.
    expect(y(budget)).toBeLessThan(y(warning));
    const labels = Array.from(root.querySelectorAll('.budget-label, .warning-label')).map((text) =>
      text.textContent?.trim(),
    );
    expect(labels).toEqual(['80 % $4.00', 'budget $5.00']);
    const keys = Array.from(root.querySelectorAll('figcaption .key')).map((key) => key.textContent?.trim());
    expect(keys).toEqual(['total cost', 'budget', 'warning at 80 %']);
  });

  it('has no budget lines without a budget', () => {
    const root = show(FINISHED, null);
    expect(hook(root, 'budget-line')).toBeNull();
    expect(hook(root, 'budget-warning-line')).toBeNull();
    expect(hook(root, 'cost-chart')?.getAttribute('aria-label')).toBe(
      'Cost over time: $2.75 after 4 s, against no budget, in 3 steps.',
    );
  });

  it('scales the cost axis to the budget or the cost, whichever is higher', () => {
    const over = show({ ...FINISHED, costPoints: [...FINISHED.costPoints, { atMs: 3_900, cost: 6 }] }, 5);
    const ticks = Array.from(over.querySelectorAll('.axis text')).map((text) => text.textContent?.trim());
    expect(ticks).toContain('$6.00');
    expect(y(hook(over, 'budget-line'))).toBeGreaterThan(16);
  });

  it('sums the chart up for screen readers', () => {
    const root = show(FINISHED, 5);
    const svg = hook(root, 'cost-chart');
    expect(svg?.getAttribute('role')).toBe('img');
    expect(svg?.getAttribute('aria-label')).toBe(
      'Cost over time: $2.75 after 4 s, against a budget of $5.00, in 3 steps.',
    );
  });

  it('carries the line on to now while the run goes on', () => {
    const running = { ...FINISHED, endMs: null };
    const root = show(running, 5);
    expect(hook(root, 'cost-chart')?.getAttribute('aria-label')).toContain('after 10 s');
    jest.advanceTimersByTime(2_000);
    fixture.detectChanges();
    expect(hook(root, 'cost-chart')?.getAttribute('aria-label')).toContain('after 12 s');
    expect(hook(root, 'cost-line')?.getAttribute('data-final-cost')).toBe('2.75');
  });

  it('shows an empty chart before the workflow started', () => {
    const root = show(EMPTY_RUN_HISTORY, 5);
    expect(hook(root, 'cost-line')).toBeNull();
    expect(root.querySelector('.empty')?.textContent?.trim()).toBe('Not started');
    expect(hook(root, 'budget-line')).not.toBeNull();
  });
});
