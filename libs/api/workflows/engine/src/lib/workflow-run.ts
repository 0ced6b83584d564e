import type { EventLog } from '@flowcast/api-workflows-data-access';
import type {
  AgentDefinition,
  LogLevel,
  NewEvent,
  WorkflowDefinition,
  WorkflowEventMap,
  StoredEventType,
} from '@flowcast/shared-contract';
import { AgentFailedError, AgentRunner, RunnerContext } from './runners/agent-runner';
import { LogSink } from './log-sink';
import { ProgressCoalescer } from './progress-coalescer';

export type StopReason = 'cancelled' | 'budget' | 'interrupted';

export interface WorkflowRunOptions {
  workflowId: string;
  definition: WorkflowDefinition;
  eventLog: EventLog;
  runners: ReadonlyMap<string, AgentRunner>;
  logBatchThreshold: number;
}

const BUDGET_WARNING_PERCENT = 80;
const PROGRESS_INTERVAL_MS = 1_000;

/** Money is summed in floating point; keep it to micro-dollars so that 0.1 + 0.2 reads 0.3. */
const roundCost = (value: number): number => Math.round(value * 1e6) / 1e6;

/** One execution of a workflow: runs its agents in order and records every step as an event. */
export class WorkflowRun {
  private readonly abort = new AbortController();
  private stopReason: StopReason | undefined;
  private totalCost = 0;
  private budgetWarned = false;
  private budgetExceeded = false;
  private readonly logs: LogSink;
  private readonly progress: ProgressCoalescer<{ message: string; level: LogLevel }>;
  private readonly costUpdates: ProgressCoalescer<number>;
  private lastAppend: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: WorkflowRunOptions) {
    this.logs = new LogSink(options.logBatchThreshold, (event) => this.emitEvent(event));
    this.progress = new ProgressCoalescer(PROGRESS_INTERVAL_MS, (agentName, { message, level }) =>
      this.emit('agent:progress', { agentName, message, level }),
    );
    this.costUpdates = new ProgressCoalescer(PROGRESS_INTERVAL_MS, (_key, totalCost) =>
      this.emit('workflow:running', { totalCost }),
    );
  }

  get id(): string {
    return this.options.workflowId;
  }

  /** Asks the run to stop; the running agent is aborted and the run records why. */
  stop(reason: StopReason): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    this.abort.abort(new Error(reason));
  }

  async execute(): Promise<void> {
    const { definition } = this.options;
    const started = performance.now();
    const iterations = 1;
    this.emit('workflow:started', {
      name: definition.name,
      totalSteps: definition.agents.length,
      maxIterations: definition.maxIterations ?? 1,
      ...(definition.budgetLimit !== undefined ? { budgetLimit: definition.budgetLimit } : {}),
    });
    try {
      for (const [index, agent] of definition.agents.entries()) {
        if (this.stopReason) break;
        const stepNumber = index + 1;
        const failure = await this.runAgent(agent, stepNumber, index === 0 ? iterations : undefined);
        if (failure !== undefined && !this.stopReason) {
          this.emit('workflow:failed', {
            duration: elapsed(started),
            totalCost: this.totalCost,
            iterations,
            error: failure,
          });
          return;
        }
      }
      const summary = { duration: elapsed(started), totalCost: this.totalCost, iterations };
      if (this.stopReason === 'cancelled') this.emit('workflow:cancelled', summary);
      else if (this.stopReason === 'budget') {
        this.emit('workflow:failed', { ...summary, error: this.budgetError() });
      } else if (this.stopReason === 'interrupted') {
        this.emit('workflow:failed', { ...summary, error: 'interrupted' });
      } else {
        this.emit('workflow:completed', { ...summary, currentStep: definition.agents.length });
      }
    } finally {
      this.progress.dispose();
      this.costUpdates.dispose();
      this.logs.flush();
      await this.lastAppend.catch(() => undefined);
    }
  }

  /** Runs one agent; resolves with the error text when it failed, undefined when it completed. */
  private async runAgent(
    agent: AgentDefinition,
    stepNumber: number,
    iterations?: number,
  ): Promise<string | undefined> {
    const runner = this.options.runners.get(agent.runner.type);
    this.emit('workflow:running', {
      currentAgent: agent.name,
      currentStep: stepNumber,
      ...(iterations !== undefined ? { iterations } : {}),
    });
    this.emit('agent:started', {
      agentName: agent.name,
      agentRole: agent.role,
      stepNumber,
      prompt: agent.prompt,
    });
    this.logs.write('info', `${agent.name} (${agent.role}) started step ${stepNumber}`, agent.name);
    const started = performance.now();
    let agentCost = 0;
    const context: RunnerContext = {
      workflowId: this.options.workflowId,
      signal: this.abort.signal,
      log: (level, message, metadata) => this.logs.write(level, message, agent.name, metadata),
      progress: (message, level = 'info') => this.progress.push(agent.name, { message, level }),
      reportCost: (delta) => {
        if (!Number.isFinite(delta) || delta <= 0) return;
        agentCost = roundCost(agentCost + delta);
        this.addCost(delta);
      },
    };
    let error: string | undefined;
    let output: string | undefined;
    try {
      if (!runner) throw new AgentFailedError(`no runner for type ${agent.runner.type}`);
      output = (await runner.run(agent, context)).output;
      this.abort.signal.throwIfAborted();
    } catch (caught) {
      error = this.stopReason ? this.stopText() : (caught as Error).message || String(caught);
    }
    await this.progress.flush(agent.name);
    this.logs.flush();
    this.costUpdates.dispose();
    const duration = elapsed(started);
    if (error !== undefined) {
      this.logs.write('error', `${agent.name} failed: ${error}`, agent.name);
      // The line may have joined a gathering batch: send it now, so that it is stored before the agent's end.
      this.logs.flush();
      // No workflow:running here: the workflow:failed / :cancelled that follows carries the total cost.
      this.emit('agent:failed', { agentName: agent.name, stepNumber, duration, cost: agentCost, error });
      return error;
    }
    this.emit('agent:completed', {
      agentName: agent.name,
      stepNumber,
      duration,
      cost: agentCost,
      ...(output !== undefined ? { output } : {}),
    });
    this.emit('workflow:running', { totalCost: this.totalCost });
    return undefined;
  }

  private addCost(delta: number): void {
    this.totalCost = roundCost(this.totalCost + delta);
    this.costUpdates.push('cost', this.totalCost);
    const limit = this.options.definition.budgetLimit;
    if (limit === undefined) return;
    const percentageUsed = limit > 0 ? Math.round((this.totalCost / limit) * 10_000) / 100 : 100;
    const budget = { currentCost: this.totalCost, budgetLimit: limit, percentageUsed };
    if (!this.budgetWarned && percentageUsed >= BUDGET_WARNING_PERCENT) {
      this.budgetWarned = true;
      this.emit('budget:warning', budget);
    }
    if (!this.budgetExceeded && this.totalCost > limit) {
      this.budgetExceeded = true;
      this.emit('budget:exceeded', budget);
      this.stop('budget');
    }
  }

  private budgetError(): string {
    return `budget exceeded: $${this.totalCost} of $${this.options.definition.budgetLimit}`;
  }

  private stopText(): string {
    return this.stopReason === 'budget' ? this.budgetError() : (this.stopReason ?? 'stopped');
  }

  private emit<K extends StoredEventType>(type: K, payload: WorkflowEventMap[K]): void {
    this.emitEvent({ type, payload } as NewEvent);
  }

  /** Appends in call order; the event log keeps that order, so nothing here needs to await. */
  private emitEvent(event: NewEvent): void {
    const append = this.options.eventLog.append(this.options.workflowId, [event]);
    append.catch(() => undefined);
    this.lastAppend = append;
  }
}

function elapsed(since: number): number {
  return Math.round(performance.now() - since);
}
