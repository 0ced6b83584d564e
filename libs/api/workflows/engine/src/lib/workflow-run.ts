import type { EventLog } from '@flowcast/api-workflows-data-access';
import {
  type AgentDefinition,
  BUDGET_WARNING_PERCENT,
  fromMicros,
  type LogLevel,
  type NewEvent,
  type StoredEventType,
  toMicros,
  type WorkflowDefinition,
  type WorkflowEventMap,
} from '@flowcast/shared-contract';
import { AgentFailedError, AgentRunner, RunnerContext } from './runners/agent-runner';
import { LogSink } from './log-sink';
import { ProgressCoalescer } from './progress-coalescer';

/** Why a run stops early. `store`: the store refused its events, or was away past STORE_OUTAGE_LIMIT_MS. */
export type StopReason = 'cancelled' | 'budget' | 'interrupted' | 'store';

export interface WorkflowRunOptions {
  workflowId: string;
  definition: WorkflowDefinition;
  eventLog: EventLog;
  runners: ReadonlyMap<string, AgentRunner>;
  logBatchThreshold: number;
}

/**
 * A runner is paused while this many of its log lines, or this many characters of them, wait to be stored
 * (a flood faster than the store, or a store that is away), and resumed at half of both: what a run holds in
 * memory is bounded.
 */
const BACKLOG_MAX_LINES = 5_000;
const BACKLOG_MAX_CHARS = 16 * 1024 * 1024;
const RESOLVED = Promise.resolve();
const PROGRESS_INTERVAL_MS = 1_000;
/**
 * How long past its window a coalesced value waits for the agent's next line, so that the two are stored
 * and written together (one commit, one write per stream) instead of one after the other.
 */
const PROGRESS_GRACE_MS = 500;

/** One execution of a workflow: runs its agents in order and records every step as an event. */
export class WorkflowRun {
  private readonly abort = new AbortController();
  private stopReason: StopReason | undefined;
  /** The error a `store` stop ends the workflow with. */
  private stopDetail = '';
  /** What the workflow has spent, in whole micro-dollars (see money.ts): sums are exact. */
  private totalMicros = 0;
  private budgetWarned = false;
  private budgetExceeded = false;
  private readonly logs: LogSink;
  private readonly progress: ProgressCoalescer<{ message: string; level: LogLevel }>;
  private readonly costUpdates: ProgressCoalescer<number>;
  private lastAppend: Promise<unknown> = Promise.resolve();
  /** Log lines (and their characters) handed to the event log and not yet stored. */
  private backlogLines = 0;
  private backlogChars = 0;
  private capacityWaiters: (() => void)[] = [];

  constructor(private readonly options: WorkflowRunOptions) {
    this.logs = new LogSink(options.logBatchThreshold, (event) => this.emitEvent(event));
    this.progress = new ProgressCoalescer(
      PROGRESS_INTERVAL_MS,
      (agentName, { message, level }) => this.emit('agent:progress', { agentName, message, level }),
      PROGRESS_GRACE_MS,
    );
    this.costUpdates = new ProgressCoalescer(PROGRESS_INTERVAL_MS, (_key, totalCost) =>
      this.emit('workflow:running', { totalCost }),
    );
  }

  get id(): string {
    return this.options.workflowId;
  }

  /** Asks the run to stop; the running agent is aborted and the run records why (`detail`: a store stop's error). */
  stop(reason: StopReason, detail = ''): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    this.stopDetail = detail;
    this.abort.abort(new Error(reason));
  }

  async execute(): Promise<void> {
    const { definition } = this.options;
    const started = performance.now();
    const maxIterations = definition.maxIterations ?? 1;
    let iteration = 1;
    this.emit('workflow:started', {
      name: definition.name,
      totalSteps: definition.agents.length,
      maxIterations,
      ...(definition.budgetLimit !== undefined ? { budgetLimit: definition.budgetLimit } : {}),
    });
    try {
      for (;;) {
        let failure: { error: string; retry: boolean } | undefined;
        for (const [index, agent] of definition.agents.entries()) {
          if (this.stopReason) break;
          const error = await this.runAgent(agent, index + 1, iteration, index === 0);
          if (error !== undefined) {
            failure = { error, retry: agent.onFailure === 'retry-workflow' };
            break;
          }
        }
        if (this.stopReason) break;
        const summary = { duration: elapsed(started), totalCost: this.totalCost, iterations: iteration };
        if (!failure) {
          this.emit('workflow:completed', { ...summary, currentStep: definition.agents.length });
          return;
        }
        if (failure.retry && iteration < maxIterations) {
          this.logs.write(
            'warn',
            `iteration ${iteration} of ${maxIterations} failed: ${failure.error}; starting over`,
          );
          iteration++;
          continue;
        }
        const error =
          failure.retry && maxIterations > 1
            ? `${failure.error} (after ${iteration} iterations)`
            : failure.error;
        this.emit('workflow:failed', { ...summary, error });
        return;
      }
      const summary = { duration: elapsed(started), totalCost: this.totalCost, iterations: iteration };
      if (this.stopReason === 'cancelled') this.emit('workflow:cancelled', summary);
      else if (this.stopReason === 'budget' || this.stopReason === 'store')
        this.emit('workflow:failed', { ...summary, error: this.stopText() });
      else this.emit('workflow:failed', { ...summary, error: 'interrupted' });
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
    iteration: number,
    firstOfIteration: boolean,
  ): Promise<string | undefined> {
    const runner = this.options.runners.get(agent.runner.type);
    this.emit('workflow:running', {
      currentAgent: agent.name,
      currentStep: stepNumber,
      ...(firstOfIteration ? { iterations: iteration } : {}),
    });
    this.emit('agent:started', {
      agentName: agent.name,
      agentRole: agent.role,
      stepNumber,
      prompt: agent.prompt,
    });
    this.logs.write('info', `${agent.name} (${agent.role}) started step ${stepNumber}`, agent.name);
    const started = performance.now();
    let agentMicros = 0;
    const context: RunnerContext = {
      workflowId: this.options.workflowId,
      iteration,
      signal: this.abort.signal,
      capacity: () => this.capacity(),
      log: (level, message, metadata) => this.logs.write(level, message, agent.name, metadata),
      progress: (message, level = 'info') => this.progress.push(agent.name, { message, level }),
      reportCost: (delta) => {
        if (!Number.isFinite(delta) || delta <= 0) return;
        const micros = toMicros(delta);
        agentMicros += micros;
        this.addCost(micros);
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
      const cost = fromMicros(agentMicros);
      this.emit('agent:failed', { agentName: agent.name, stepNumber, duration, cost, error });
      return error;
    }
    this.emit('agent:completed', {
      agentName: agent.name,
      stepNumber,
      duration,
      cost: fromMicros(agentMicros),
      ...(output !== undefined ? { output } : {}),
    });
    this.emit('workflow:running', { totalCost: this.totalCost });
    return undefined;
  }

  private get totalCost(): number {
    return fromMicros(this.totalMicros);
  }

  private addCost(micros: number): void {
    this.totalMicros += micros;
    this.costUpdates.push('cost', this.totalCost);
    const limit = this.options.definition.budgetLimit;
    if (limit === undefined) return;
    const limitMicros = toMicros(limit);
    const percentageUsed =
      limitMicros > 0 ? Math.round((this.totalMicros / limitMicros) * 10_000) / 100 : 100;
    const budget = { currentCost: this.totalCost, budgetLimit: limit, percentageUsed };
    if (!this.budgetWarned && percentageUsed >= BUDGET_WARNING_PERCENT) {
      this.budgetWarned = true;
      this.emit('budget:warning', budget);
    }
    if (!this.budgetExceeded && this.totalMicros > limitMicros) {
      this.budgetExceeded = true;
      this.emit('budget:exceeded', budget);
      this.stop('budget');
    }
  }

  private budgetError(): string {
    return `budget exceeded: $${this.totalCost} of $${this.options.definition.budgetLimit}`;
  }

  private stopText(): string {
    if (this.stopReason === 'budget') return this.budgetError();
    if (this.stopReason === 'store') return this.stopDetail;
    return this.stopReason ?? 'stopped';
  }

  private emit<K extends StoredEventType>(type: K, payload: WorkflowEventMap[K]): void {
    this.emitEvent({ type, payload } as NewEvent);
  }

  /**
   * Appends in call order; the event log keeps that order, so nothing here needs to await. While the store
   * is away the event log holds the appends (they resolve late); one it refuses outright (the workflow has
   * ended elsewhere, a row the store cannot take) stops the run: it ends failed, saying why.
   */
  private emitEvent(event: NewEvent): void {
    const append = this.options.eventLog.append(this.options.workflowId, [event]);
    const { lines, chars } = logSize(event);
    if (lines > 0) {
      this.backlogLines += lines;
      this.backlogChars += chars;
      const settle = () => {
        this.backlogLines -= lines;
        this.backlogChars -= chars;
        if (!this.backlogFull(2) && this.capacityWaiters.length > 0) {
          const waiters = this.capacityWaiters;
          this.capacityWaiters = [];
          waiters.forEach((wake) => wake());
        }
      };
      append.then(settle, settle);
    }
    append.catch((error: Error) => this.stop('store', `events could not be stored: ${error.message}`));
    this.lastAppend = append;
  }

  /** Whether the backlog is at its bound (divided by `fraction`: 2 is the level at which a runner resumes). */
  private backlogFull(fraction = 1): boolean {
    return (
      this.backlogLines >= BACKLOG_MAX_LINES / fraction || this.backlogChars >= BACKLOG_MAX_CHARS / fraction
    );
  }

  private capacity(): Promise<void> {
    if (!this.backlogFull()) return RESOLVED;
    return new Promise((resolve) => this.capacityWaiters.push(resolve));
  }
}

function elapsed(since: number): number {
  return Math.round(performance.now() - since);
}

/** The log lines an event carries, and their characters (0 for every other event). */
function logSize(event: NewEvent): { lines: number; chars: number } {
  if (event.type === 'log:created') return { lines: 1, chars: event.payload.message.length };
  if (event.type !== 'log:batch') return { lines: 0, chars: 0 };
  let chars = 0;
  for (const line of event.payload.lines) chars += line.message.length;
  return { lines: event.payload.lines.length, chars };
}
