import type { AgentState, StreamEvent, WorkflowDetail } from '@flowcast/shared-contract';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { formatLogLine, logItemsOf } from '../log-lines';
import { describeEvent, formatUsd } from './describe';
import type { OutputStream, Renderer } from './renderer';

export interface AgentBarPayload {
  agent: string;
  status: string;
  step: string;
  iteration: string;
  cost: string;
}

export interface AgentBar {
  /** 0–100: the agent's cost against the workflow's budget; without a budget, 100 once it has ended. */
  value: number;
  payload: AgentBarPayload;
}

export const BAR_FORMAT = '{agent} {bar} {status} | step {step} | iteration {iteration} | {cost}';

/** One agent's bar: what it has spent against the budget, its step and the workflow's iteration. */
export function agentBar(agent: AgentState, view: WorkflowDetail, nameWidth: number): AgentBar {
  const cost = agent.cost ?? 0;
  const ended = agent.status === 'completed' || agent.status === 'failed';
  const budget = view.budgetLimit;
  const value = budget !== null && budget > 0 ? Math.min(100, (cost / budget) * 100) : ended ? 100 : 0;
  return {
    value,
    payload: {
      agent: agent.agentName.padEnd(nameWidth),
      status: agent.status.padEnd(9),
      step: `${agent.stepNumber}/${view.totalSteps}`,
      iteration: `${Math.max(view.iterations, 1)}/${view.maxIterations}`,
      cost: budget === null ? formatUsd(cost) : `${formatUsd(cost)} / ${formatUsd(budget)}`,
    },
  };
}

/** For a terminal: one progress bar per agent, log and milestone lines printed above the bars. */
export class TtyRenderer implements Renderer {
  private readonly multibar: MultiBar;
  private readonly bars = new Map<number, SingleBar>();

  constructor(stdout: OutputStream) {
    this.multibar = new MultiBar(
      {
        format: BAR_FORMAT,
        stream: stdout as NodeJS.WritableStream,
        barsize: 24,
        clearOnComplete: false,
        // A hidden cursor would stay hidden if the user interrupts the watch.
        hideCursor: false,
        // Log lines are written over the bars' old place: every bar must be drawn again after them, not
        // only the ones that changed.
        forceRedraw: true,
      },
      Presets.shades_classic,
    );
  }

  event(event: StreamEvent, view: WorkflowDetail): void {
    const lines = logItemsOf(event).map(formatLogLine);
    const milestone = describeEvent(event, view);
    if (milestone !== undefined) lines.push(milestone);
    if (lines.length > 0) this.log(lines);
    this.updateBars(view);
  }

  notice(message: string): void {
    // Through the bars' own log, so that the bars are redrawn below it instead of being torn.
    this.log([`flowcast: ${message}`]);
  }

  end(view: WorkflowDetail | undefined): void {
    if (view) this.updateBars(view);
    // stop() does not print what log() still holds; update() does.
    this.multibar.update();
    this.multibar.stop();
  }

  /** Each line ends by clearing what is left of the bar it was written over (ESC [ K). */
  private log(lines: string[]): void {
    this.multibar.log(lines.map((line) => `${line}\x1b[K\n`).join(''));
  }

  private updateBars(view: WorkflowDetail): void {
    const nameWidth = Math.max(...view.agents.map((agent) => agent.agentName.length));
    for (const agent of view.agents) {
      const { value, payload } = agentBar(agent, view, nameWidth);
      const bar = this.bars.get(agent.stepNumber);
      if (bar) bar.update(value, payload);
      else this.bars.set(agent.stepNumber, this.multibar.create(100, value, payload));
    }
  }
}
