import {
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  inject,
  Injector,
  input,
  signal,
  untracked,
} from '@angular/core';
import { RunHistoryLoader, type WorkflowStream, WorkflowsApi } from '@flowcast/console-data-access';
import { AgentTimelineChartComponent, CostChartComponent } from '@flowcast/console-ui';
import { EMPTY_RUN_HISTORY } from '@flowcast/shared-contract';

/**
 * The detail page's pictures of a run: the agent timeline and the cost against the budget, both drawn from
 * the run's history (loaded from the stored events, then kept live from the page's stream).
 */
@Component({
  selector: 'fc-run-charts',
  imports: [AgentTimelineChartComponent, CostChartComponent],
  template: `
    @if (stream().view(); as view) {
      <div class="charts">
        <div>
          <h3>Agent timeline</h3>
          <fc-agent-timeline-chart [history]="history()" [agents]="view.agents" />
        </div>
        <div>
          <h3>Cost over time</h3>
          <fc-cost-chart [history]="history()" [budgetLimit]="view.budgetLimit" />
        </div>
      </div>
    }
  `,
  styles: `
    .charts {
      display: grid;
      grid-template-columns: repeat(auto-fit, minmax(min(100%, 320px), 1fr));
      gap: 16px 32px;
    }
    h3 {
      margin: 0 0 8px;
      font-size: 1rem;
      font-weight: 500;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RunChartsComponent {
  /** The page's stream: its workflow's history is followed while it is shown. */
  readonly stream = input.required<WorkflowStream>();

  private readonly api = inject(WorkflowsApi);
  private readonly injector = inject(Injector);
  private readonly loader = signal<RunHistoryLoader | undefined>(undefined);
  protected readonly history = computed(() => this.loader()?.history() ?? EMPTY_RUN_HISTORY);

  constructor() {
    // One loader per stream: the page opens a new stream when it shows another workflow ("Run again").
    effect((onCleanup) => {
      const stream = this.stream();
      untracked(() => {
        const loader = new RunHistoryLoader({
          source: stream,
          fetchEvents: (after, limit) => this.api.events(stream.workflowId, after, limit),
          injector: this.injector,
        });
        this.loader.set(loader);
        onCleanup(() => loader.close());
      });
    });
  }
}
