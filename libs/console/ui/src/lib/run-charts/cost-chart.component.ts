import { ChangeDetectionStrategy, Component, LOCALE_ID, computed, inject, input } from '@angular/core';
import { scaleLinear } from 'd3-scale';
import { curveStepAfter, line } from 'd3-shape';
import { BUDGET_WARNING_PERCENT, type CostPoint, type RunHistory } from '@flowcast/shared-contract';
import { formatDuration } from '../format/duration';
import { formatUsd } from '../format/money';
import { tickingNow } from '../format/ticking-now';
import { runExtentMs, timeAxis, type Tick } from './time-axis';

/** The SVG's user units: drawn at this size and scaled to the width it gets (viewBox, width 100 %). */
const WIDTH = 480;
const HEIGHT = 180;
const LEFT = 56;
const RIGHT = 16;
const TOP = 16;
const AXIS_HEIGHT = 24;
/** Room above the highest of the cost and the budget, so that the top line and its label stay inside. */
const HEADROOM = 1.15;

interface Level {
  y: number;
  value: number;
  label: string;
}

/**
 * The workflow's total cost over time as a step line (it changes in steps, as the engine reports it), with
 * the budget and the line at which `budget:warning` is sent, when the workflow has a budget. The line's last
 * point is the workflow's total cost, exactly.
 */
@Component({
  selector: 'fc-cost-chart',
  templateUrl: './cost-chart.component.html',
  styleUrl: './run-charts.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class CostChartComponent {
  readonly history = input.required<RunHistory>();
  /** US dollars; null: no budget, no budget lines. */
  readonly budgetLimit = input.required<number | null>();

  private readonly locale = inject(LOCALE_ID);
  private readonly now = tickingNow();
  protected readonly width = WIDTH;
  protected readonly height = HEIGHT;
  protected readonly plotLeft = LEFT;
  protected readonly plotRight = WIDTH - RIGHT;
  protected readonly plotTop = TOP;
  protected readonly axisY = HEIGHT - AXIS_HEIGHT;
  protected readonly warningPercent = BUDGET_WARNING_PERCENT;

  private readonly extentMs = computed(() => runExtentMs(this.history(), this.now));
  private readonly xAxis = computed(() => timeAxis(this.extentMs(), [LEFT, WIDTH - RIGHT]));
  protected readonly xTicks = computed<Tick[]>(() => this.xAxis().ticks);

  private readonly y = computed(() => {
    const top = Math.max(this.budgetLimit() ?? 0, ...this.history().costPoints.map((point) => point.cost));
    return scaleLinear()
      .domain([0, top > 0 ? top * HEADROOM : 1])
      .range([HEIGHT - AXIS_HEIGHT, TOP])
      .nice();
  });

  protected readonly yTicks = computed<Tick[]>(() => {
    const y = this.y();
    return y.ticks(4).map((usd) => ({ at: y(usd), label: formatUsd(usd, this.locale) }));
  });

  /** The last point: what the workflow has spent so far (null before it started). */
  protected readonly last = computed<CostPoint | null>(() => this.history().costPoints.at(-1) ?? null);

  /** The step line, carried on flat to now (or to the end) from its last step. */
  protected readonly path = computed(() => {
    const points = this.history().costPoints;
    const last = this.last();
    if (last === null) return null;
    const { x } = this.xAxis();
    const y = this.y();
    const draw = line<CostPoint>()
      .x((point) => x(point.atMs))
      .y((point) => y(point.cost))
      .curve(curveStepAfter);
    return draw([...points, { atMs: this.extentMs(), cost: last.cost }]);
  });

  protected readonly budget = computed<Level | null>(() => this.level(this.budgetLimit(), 'budget'));
  protected readonly warning = computed<Level | null>(() => {
    const limit = this.budgetLimit();
    return limit === null
      ? null
      : this.level((limit * BUDGET_WARNING_PERCENT) / 100, `${BUDGET_WARNING_PERCENT} %`);
  });

  protected readonly summary = computed(() => {
    const last = this.last();
    if (last === null) return 'Cost over time: the workflow has not started.';
    const limit = this.budgetLimit();
    const against = limit === null ? 'no budget' : `a budget of ${formatUsd(limit, this.locale)}`;
    const steps = this.history().costPoints.length - 1;
    return (
      `Cost over time: ${formatUsd(last.cost, this.locale)} after ${formatDuration(this.extentMs())}, ` +
      `against ${against}, in ${steps === 1 ? '1 step' : `${steps} steps`}.`
    );
  });

  private level(value: number | null, name: string): Level | null {
    if (value === null) return null;
    return { y: this.y()(value), value, label: `${name} ${formatUsd(value, this.locale)}` };
  }
}
