import { ChangeDetectionStrategy, Component, LOCALE_ID, computed, inject, input } from '@angular/core';
import type { AgentState } from '@flowcast/shared-contract';
import { formatDuration } from '../format/duration';
import { elapsedMs, tickingNow } from '../format/ticking-now';
import { formatUsd } from '../format/money';
import { StatusChipComponent } from '../status-chip/status-chip.component';

interface AgentRow {
  agent: AgentState;
  role: string;
  duration: string;
  cost: string;
  iteration: string;
}

/**
 * One row per agent of a workflow, in step order, with the `agent-row` test hook (CONTRACT §7). A running
 * agent's duration ticks every second.
 */
@Component({
  selector: 'fc-agent-timeline',
  imports: [StatusChipComponent],
  templateUrl: './agent-timeline.component.html',
  styleUrl: './agent-timeline.component.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
  // On a phone the table scrolls sideways in its own box, which a keyboard user scrolls once it has the focus.
  host: { tabindex: '0', role: 'region', 'aria-label': 'Agents table' },
})
export class AgentTimelineComponent {
  readonly agents = input.required<AgentState[]>();
  /** The workflow's current iteration (1-based; 0 before it starts), shown on the rows that have run. */
  readonly iterations = input<number>(0);

  private readonly locale = inject(LOCALE_ID);
  private readonly now = tickingNow();

  protected readonly rows = computed<AgentRow[]>(() => {
    const iteration = this.iterations();
    return this.agents().map((agent) => ({
      agent,
      role: agent.agentRole || '—',
      // A running agent's time ticks (from its start); a finished one shows the duration it reported.
      duration: formatDuration(
        agent.status === 'running' ? elapsedMs(agent.startedAt, null, this.now) : agent.duration,
      ),
      cost: agent.cost === null ? '—' : formatUsd(agent.cost, this.locale),
      iteration: agent.status === 'pending' || iteration < 1 ? '—' : String(iteration),
    }));
  });
}
