import { ChangeDetectionStrategy, Component, LOCALE_ID, computed, inject, input } from '@angular/core';
import type { AgentBar, AgentState, RunHistory } from '@flowcast/shared-contract';
import { formatDuration } from '../format/duration';
import { formatUsd } from '../format/money';
import { tickingNow } from '../format/ticking-now';
import { runExtentMs, timeAxis, type Tick } from './time-axis';

/** The SVG's user units: drawn at this size and scaled to the width it gets (viewBox, width 100 %). */
const WIDTH = 480;
const LABEL_WIDTH = 84;
const RIGHT = 16;
const TOP = 4;
const ROW_HEIGHT = 26;
const BAR_HEIGHT = 16;
const AXIS_HEIGHT = 24;
/** A bar never thinner than this, so that a run of a few ms stays visible (and clickable in a test). */
const MIN_BAR_WIDTH = 2;

/** The bar statuses, in the legend's order. */
const LEGEND: AgentBar['status'][] = ['running', 'completed', 'failed'];

interface Row {
  stepNumber: number;
  agentName: string;
  y: number;
}

interface DrawnBar {
  bar: AgentBar;
  key: string;
  x: number;
  y: number;
  width: number;
  endMs: number;
  label: string;
}

/** Each instance's own pattern id: the page may show two timelines. */
let nextInstance = 0;

/**
 * One bar per agent per iteration, from its start to its end (a running agent's bar grows with the clock),
 * on one row per agent in step order, against the time since the workflow started. Statuses differ by
 * colour and by pattern (running: outlined, failed: hatched), and every bar is labelled in words.
 */
@Component({
  selector: 'fc-agent-timeline-chart',
  templateUrl: './agent-timeline-chart.component.html',
  styleUrl: './run-charts.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AgentTimelineChartComponent {
  readonly history = input.required<RunHistory>();
  /** The workflow's agents: one row each, in step order, also before they have run. */
  readonly agents = input.required<readonly Pick<AgentState, 'agentName' | 'stepNumber'>[]>();

  private readonly locale = inject(LOCALE_ID);
  private readonly now = tickingNow();
  protected readonly hatchId = `fc-timeline-hatch-${nextInstance++}`;
  protected readonly width = WIDTH;
  protected readonly legend = LEGEND;
  protected readonly plotLeft = LABEL_WIDTH;
  protected readonly plotRight = WIDTH - RIGHT;
  protected readonly barHeight = BAR_HEIGHT;
  protected readonly rowHeight = ROW_HEIGHT;

  protected readonly rows = computed<Row[]>(() => {
    const steps = new Map<number, string>();
    for (const agent of this.agents()) steps.set(agent.stepNumber, agent.agentName);
    for (const bar of this.history().bars)
      if (!steps.has(bar.stepNumber)) steps.set(bar.stepNumber, bar.agentName);
    return [...steps]
      .sort(([a], [b]) => a - b)
      .map(([stepNumber, agentName], index) => ({ stepNumber, agentName, y: TOP + index * ROW_HEIGHT }));
  });

  protected readonly height = computed(
    () => TOP + Math.max(1, this.rows().length) * ROW_HEIGHT + AXIS_HEIGHT,
  );
  protected readonly axisY = computed(() => this.height() - AXIS_HEIGHT);

  private readonly extentMs = computed(() => runExtentMs(this.history(), this.now));
  private readonly axis = computed(() => timeAxis(this.extentMs(), [LABEL_WIDTH, WIDTH - RIGHT]));
  protected readonly ticks = computed<Tick[]>(() => this.axis().ticks);

  protected readonly bars = computed<DrawnBar[]>(() => {
    const { x } = this.axis();
    const rowY = new Map(this.rows().map((row) => [row.stepNumber, row.y]));
    const liveEnd = this.extentMs();
    return this.history().bars.map((bar) => {
      const endMs = bar.endMs ?? liveEnd;
      const left = x(bar.startMs);
      return {
        bar,
        key: `${bar.iteration}:${bar.stepNumber}:${bar.startMs}`,
        x: left,
        y: (rowY.get(bar.stepNumber) ?? TOP) + (ROW_HEIGHT - BAR_HEIGHT) / 2,
        width: Math.max(MIN_BAR_WIDTH, x(endMs) - left),
        endMs: Math.round(endMs),
        label: this.barLabel(bar, endMs - bar.startMs),
      };
    });
  });

  protected readonly summary = computed(() => {
    const bars = this.history().bars;
    if (bars.length === 0) return 'Agent timeline: no agent has run yet.';
    const counts = LEGEND.map(
      (status) => [status, bars.filter((bar) => bar.status === status).length] as const,
    )
      .filter(([, count]) => count > 0)
      .map(([status, count]) => `${count} ${status}`);
    const runs = bars.length === 1 ? '1 agent run' : `${bars.length} agent runs`;
    return `Agent timeline: ${runs} over ${formatDuration(this.extentMs())}: ${counts.join(', ')}.`;
  });

  /** "dev, iteration 2: completed, 1.2 s, $0.40", with a failure's reason. */
  private barLabel(bar: AgentBar, elapsedMs: number): string {
    const outcome = bar.error === null ? bar.status : `${bar.status} (${bar.error})`;
    const took = formatDuration(bar.duration ?? elapsedMs);
    return `${bar.agentName}, iteration ${bar.iteration}: ${outcome}, ${took}, ${formatUsd(bar.cost, this.locale)}`;
  }
}
