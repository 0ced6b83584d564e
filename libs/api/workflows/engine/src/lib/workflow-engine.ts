import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { FLOWCAST_CONFIG, type FlowcastConfig } from '@flowcast/api-core';
import {
  EventLog,
  WorkflowNotFoundError,
  WorkflowsRepository,
  WorkflowStateError,
} from '@flowcast/api-workflows-data-access';
import type { NewEvent, WorkflowDetail } from '@flowcast/shared-contract';
import { AGENT_RUNNERS, AgentRunner } from './runners/agent-runner';
import { StopReason, WorkflowRun } from './workflow-run';

/**
 * Starts, queues, cancels and recovers workflow runs. At most WORKFLOW_CONCURRENCY run at once; the rest
 * wait as `pending`, in the order their start was asked for (the queue is kept in the store, so it
 * survives a restart).
 */
@Injectable()
export class WorkflowEngine implements OnApplicationBootstrap {
  private readonly logger = new Logger(WorkflowEngine.name);
  private readonly runners: ReadonlyMap<string, AgentRunner>;
  private readonly queue: string[] = [];
  private readonly running = new Map<string, ActiveRun>();
  private stopping = false;

  constructor(
    @Inject(FLOWCAST_CONFIG) private readonly config: FlowcastConfig,
    @Inject(WorkflowsRepository) private readonly workflows: WorkflowsRepository,
    @Inject(EventLog) private readonly eventLog: EventLog,
    @Inject(AGENT_RUNNERS) runners: AgentRunner[],
  ) {
    this.runners = new Map(runners.map((runner) => [runner.type, runner]));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.recoverInterrupted();
    for (const id of await this.workflows.findQueued()) this.queue.push(id);
    this.pump();
  }

  /** Queues a pending workflow; it runs as soon as a slot is free. */
  async start(workflowId: string): Promise<void> {
    const record = await this.workflows.findById(workflowId);
    if (!record) throw new WorkflowNotFoundError(workflowId);
    if (record.view.status !== 'pending') {
      throw new WorkflowStateError(
        `workflow is ${record.view.status}; only a pending workflow can be started`,
      );
    }
    if (this.queue.includes(workflowId) || this.running.has(workflowId)) {
      throw new WorkflowStateError('workflow is already starting');
    }
    if (this.stopping) throw new WorkflowStateError('the server is shutting down');
    await this.workflows.markQueued(workflowId, new Date().toISOString());
    this.queue.push(workflowId);
    this.pump();
  }

  /** Cancels a pending or running workflow. */
  async cancel(workflowId: string): Promise<void> {
    const active = this.running.get(workflowId);
    if (active) {
      active.stop('cancelled');
      return;
    }
    const record = await this.workflows.findById(workflowId);
    if (!record) throw new WorkflowNotFoundError(workflowId);
    if (record.view.status !== 'pending') {
      throw new WorkflowStateError(
        `workflow is ${record.view.status}; only a pending or running one can be cancelled`,
      );
    }
    const queued = this.queue.indexOf(workflowId);
    if (queued !== -1) this.queue.splice(queued, 1);
    await this.eventLog.append(workflowId, [
      { type: 'workflow:cancelled', payload: { duration: 0, totalCost: 0, iterations: 0 } },
    ]);
  }

  get runningCount(): number {
    return this.running.size;
  }

  get queuedCount(): number {
    return this.queue.length;
  }

  /**
   * Stops taking work and ends every run as interrupted (agent:failed, then workflow:failed), so that
   * clients see a final state; resolves once those events are stored or the timeout passes.
   */
  async shutdown(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.queue.length = 0;
    const runs = [...this.running.values()];
    for (const active of runs) active.stop('interrupted');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(runs.map((active) => active.done)),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
    await this.eventLog.drain();
  }

  private pump(): void {
    while (!this.stopping && this.running.size < this.config.engine.concurrency && this.queue.length > 0) {
      const id = this.queue.shift() as string;
      // The slot is taken now, before any await, so that concurrent pumps cannot overfill it.
      const active = new ActiveRun();
      this.running.set(id, active);
      active.done = this.launch(id, active)
        .catch((error: Error) => this.logger.error(`Run of ${id} crashed: ${error.message}`))
        .finally(() => {
          this.running.delete(id);
          this.pump();
        });
    }
  }

  private async launch(workflowId: string, active: ActiveRun): Promise<void> {
    const record = await this.workflows.findById(workflowId);
    if (!record || record.view.status !== 'pending') return;
    active.attach(
      new WorkflowRun({
        workflowId,
        definition: record.definition,
        eventLog: this.eventLog,
        runners: this.runners,
        logBatchThreshold: this.config.engine.logBatchThreshold,
      }),
    );
    await active.run?.execute();
  }

  /**
   * A workflow the store says is running but no process runs was interrupted by a crash: end it, and its
   * running agent, as failed with error "interrupted", so that every client converges on a final state.
   */
  private async recoverInterrupted(): Promise<void> {
    for (const id of await this.workflows.findIdsByStatus('running')) {
      if (this.running.has(id)) continue;
      const record = await this.workflows.findById(id);
      if (!record) continue;
      await this.eventLog.append(id, interruptedEvents(record.view, Date.now()));
      this.logger.warn(`Workflow ${id} was left running by a stopped process; marked failed (interrupted)`);
    }
  }
}

/** A slot in the running set: the run may still be loading when a stop is asked for. */
class ActiveRun {
  run: WorkflowRun | undefined;
  done: Promise<void> = Promise.resolve();
  private stopRequested: StopReason | undefined;

  attach(run: WorkflowRun): void {
    this.run = run;
    if (this.stopRequested) run.stop(this.stopRequested);
  }

  stop(reason: StopReason): void {
    this.stopRequested ??= reason;
    this.run?.stop(reason);
  }
}

export function interruptedEvents(view: WorkflowDetail, now: number): NewEvent[] {
  const since = (iso: string | null) => (iso ? Math.max(0, now - Date.parse(iso)) : 0);
  const events: NewEvent[] = view.agents
    .filter((agent) => agent.status === 'running')
    .map((agent) => ({
      type: 'agent:failed',
      payload: {
        agentName: agent.agentName,
        stepNumber: agent.stepNumber,
        duration: since(agent.startedAt),
        cost: agent.cost ?? 0,
        error: 'interrupted',
      },
    }));
  events.push({
    type: 'workflow:failed',
    payload: {
      duration: since(view.startedAt),
      totalCost: view.totalCost,
      iterations: view.iterations,
      error: 'interrupted',
    },
  });
  return events;
}
