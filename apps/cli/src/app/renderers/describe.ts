import type { StreamEvent, WorkflowDetail } from '@flowcast/shared-contract';

/** Dollars as the console shows them: cents, or more places for sums below a cent. */
export function formatUsd(dollars: number): string {
  return dollars > 0 && dollars < 0.01 ? `$${dollars.toFixed(4)}` : `$${dollars.toFixed(2)}`;
}

function formatDuration(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function budgetOf(view: WorkflowDetail): string {
  return view.budgetLimit === null ? '' : ` of ${formatUsd(view.budgetLimit)}`;
}

/**
 * The line a milestone event is told by (an agent starting or ending, the budget, the outcome); undefined
 * for the rest, which the bars or the log lines show.
 */
export function describeEvent(event: StreamEvent, view: WorkflowDetail): string | undefined {
  const step = (stepNumber: number) => `step ${stepNumber}/${view.totalSteps}`;
  switch (event.type) {
    case 'workflow:started':
      return `== ${view.name} (${view.id}) started: ${view.totalSteps} steps, budget ${view.budgetLimit === null ? 'none' : formatUsd(view.budgetLimit)}`;
    case 'agent:started':
      return `== ${step(event.data.stepNumber)} ${event.data.agentName} (${event.data.agentRole}) started, iteration ${view.iterations}/${view.maxIterations}`;
    case 'agent:completed':
      return `== ${step(event.data.stepNumber)} ${event.data.agentName} completed in ${formatDuration(event.data.duration)}, ${formatUsd(event.data.cost)}`;
    case 'agent:failed':
      return `== ${step(event.data.stepNumber)} ${event.data.agentName} failed after ${formatDuration(event.data.duration)}, ${formatUsd(event.data.cost)}: ${event.data.error}`;
    case 'budget:warning':
    case 'budget:exceeded':
      return `== budget ${event.type === 'budget:warning' ? 'warning' : 'exceeded'}: ${event.data.percentageUsed}% used (${formatUsd(event.data.currentCost)} of ${formatUsd(event.data.budgetLimit)})`;
    case 'workflow:completed':
    case 'workflow:cancelled':
    case 'workflow:failed':
      return describeOutcome(view);
    default:
      return undefined;
  }
}

/** `== completed in 3.2 s: $2.00 of $5.00, 1 iteration` (and the error of a failed run). */
export function describeOutcome(view: WorkflowDetail): string {
  const took =
    view.startedAt && view.completedAt
      ? ` in ${formatDuration(Date.parse(view.completedAt) - Date.parse(view.startedAt))}`
      : '';
  const error = view.error === null ? '' : ` (${view.error})`;
  const iterations = `${view.iterations} iteration${view.iterations === 1 ? '' : 's'}`;
  return `== ${view.status}${took}: ${formatUsd(view.totalCost)}${budgetOf(view)}, ${iterations}${error}`;
}
