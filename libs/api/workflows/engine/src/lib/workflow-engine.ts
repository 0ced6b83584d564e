import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import {
  ClusterBus,
  FLOWCAST_CONFIG,
  type FlowcastConfig,
  InstanceLiveness,
  isStoreUnavailable,
  RedisClients,
  type StoreFault,
} from '@flowcast/api-core';
import {
  EventLog,
  WorkflowNotFoundError,
  WorkflowsRepository,
  WorkflowStateError,
} from '@flowcast/api-workflows-data-access';
import type { NewEvent, WorkflowDetail } from '@flowcast/shared-contract';
import { ClusterRuns } from './cluster/cluster-runs';
import { AGENT_RUNNERS, AgentRunner } from './runners/agent-runner';
import { StopReason, WorkflowRun } from './workflow-run';

/**
 * Starts, queues, cancels and recovers workflow runs. At most WORKFLOW_CONCURRENCY run at once; the rest
 * wait as `pending`, in the order their start was asked for (the queue is kept in the store, so it
 * survives a restart). In a cluster (REDIS_URL set) the queue is BullMQ's and any instance may run any
 * workflow (see ClusterRuns); cancelling works from every instance.
 */
/** How long a run that could not start for the store being unavailable waits before it is tried again. */
const LAUNCH_RETRY_MS = 1_000;

@Injectable()
export class WorkflowEngine implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WorkflowEngine.name);
  private readonly runners: ReadonlyMap<string, AgentRunner>;
  private readonly queue: string[] = [];
  private readonly running = new Map<string, ActiveRun>();
  private stopping = false;
  private readonly cluster: ClusterRuns | null;
  /** Armed while the store refuses writes: ends the running workflows once STORE_OUTAGE_LIMIT_MS has passed. */
  private outageTimer: NodeJS.Timeout | undefined;
  /** No run is launched before this time (epoch ms): the store was unavailable when one was tried. */
  private launchRetryAt = 0;
  private launchRetryTimer: NodeJS.Timeout | undefined;
  private readonly unwatchStore: () => void;

  constructor(
    @Inject(FLOWCAST_CONFIG) private readonly config: FlowcastConfig,
    @Inject(WorkflowsRepository) private readonly workflows: WorkflowsRepository,
    @Inject(EventLog) private readonly eventLog: EventLog,
    @Inject(AGENT_RUNNERS) runners: AgentRunner[],
    @Optional() @Inject(RedisClients) redis: RedisClients | null = null,
    @Optional() @Inject(ClusterBus) bus: ClusterBus | null = null,
    @Optional() @Inject(InstanceLiveness) liveness: InstanceLiveness | null = null,
  ) {
    this.runners = new Map(runners.map((runner) => [runner.type, runner]));
    this.cluster =
      redis && bus && liveness
        ? new ClusterRuns({
            redis,
            bus,
            liveness,
            workflows,
            eventLog,
            concurrency: config.engine.concurrency,
            run: (workflowId) => this.runClaimed(workflowId, redis.instanceId),
            stop: (workflowId) => this.stopLocal(workflowId, 'cancelled'),
            interruptedEvents: (view) => interruptedEvents(view, Date.now()),
          })
        : null;
    this.unwatchStore = eventLog.faults.onChange((fault) => this.storeChanged(fault));
  }

  onModuleDestroy(): void {
    this.unwatchStore();
    clearTimeout(this.outageTimer);
    clearTimeout(this.launchRetryTimer);
  }

  /**
   * The store stopped taking writes (`fault`) or took them again (null). While it is away no run is
   * launched (running ones go on, their events held by the event log and their agents paused once their
   * backlog is full); past STORE_OUTAGE_LIMIT_MS every running workflow is stopped, to end failed with the
   * reason once its events can be stored. Back: the queue moves again.
   */
  private storeChanged(fault: StoreFault | null): void {
    clearTimeout(this.outageTimer);
    this.outageTimer = undefined;
    if (!fault) {
      this.logger.log('The store takes writes again');
      this.pump();
      return;
    }
    const limitMs = this.config.engine.storeOutageLimitMs;
    this.outageTimer = setTimeout(() => {
      const current = this.eventLog.faults.fault;
      if (!current) return;
      const error = `the store was unavailable for more than ${limitMs / 1_000} s (${current.reason})`;
      this.logger.error(`${error}: stopping ${this.running.size} running workflow(s)`);
      for (const active of this.running.values()) active.stop('store', error);
    }, limitMs);
    this.outageTimer.unref();
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.cluster) {
      // Runs left by a dead instance are ended by the reaper of a live one, not at boot: the others' runs
      // are in the store as running too.
      const queued = await this.workflows.findQueued();
      await this.cluster.start(queued);
      return;
    }
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
    if (this.cluster) {
      if (record.queuedAt !== null) throw new WorkflowStateError('workflow is already starting');
      await this.workflows.markQueued(workflowId, new Date().toISOString());
      try {
        await this.cluster.enqueue(workflowId);
      } catch (error) {
        await this.workflows.unmarkQueued(workflowId);
        throw error;
      }
      return;
    }
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
    if (this.cluster && record.view.status === 'running') {
      await this.cluster.requestCancel(workflowId);
      return;
    }
    if (record.view.status !== 'pending') {
      throw new WorkflowStateError(
        `workflow is ${record.view.status}; only a pending or running one can be cancelled`,
      );
    }
    if (this.cluster) {
      // Claimed first, so that no instance starts it meanwhile; claimed already, it is starting somewhere.
      if (!(await this.workflows.claim(workflowId, `cancelled:${this.cluster.instanceId}`))) {
        await this.cluster.requestCancel(workflowId);
        return;
      }
      await this.cluster.dequeue(workflowId);
    }
    const queued = this.queue.indexOf(workflowId);
    if (queued !== -1) this.queue.splice(queued, 1);
    await this.eventLog.append(workflowId, [
      { type: 'workflow:cancelled', payload: { duration: 0, totalCost: 0, iterations: 0 } },
    ]);
  }

  /** In a cluster: the shared run queue's jobs by state; null for one process on its own. */
  queueDepth(): Promise<Record<string, number>> | null {
    return this.cluster ? this.cluster.depth() : null;
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
    // In a cluster the worker stops taking jobs first; waiting ones stay queued for the other instances.
    const workerClosed = this.cluster?.beginShutdown();
    const runs = [...this.running.values()];
    for (const active of runs) active.stop('interrupted');
    const deadline = Date.now() + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...runs.map((active) => active.done), workerClosed]),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
    // What is left of the time (at least a second) goes to storing the last events; a store that is away past
    // it keeps them (those workflows are then ended as interrupted at the next start).
    await Promise.race([
      this.eventLog.drain(),
      new Promise((resolve) => (timer = setTimeout(resolve, Math.max(1_000, deadline - Date.now())))),
    ]);
    clearTimeout(timer);
    await this.cluster?.close().catch(() => undefined);
  }

  /** Stops a run of this process; false when it runs none of that id. */
  private stopLocal(workflowId: string, reason: StopReason): boolean {
    const active = this.running.get(workflowId);
    active?.stop(reason);
    return active !== undefined;
  }

  /**
   * A cluster worker's job: claim the workflow in the store (exactly one instance wins), then run it here.
   * The slot is taken before the claim, so that a cancel arriving meanwhile finds the run.
   */
  private async runClaimed(workflowId: string, instanceId: string): Promise<void> {
    if (this.running.has(workflowId)) return;
    const active = new ActiveRun();
    this.running.set(workflowId, active);
    try {
      if (!(await this.workflows.claim(workflowId, instanceId))) return;
      active.done = this.launch(workflowId, active);
      await active.done;
    } finally {
      this.running.delete(workflowId);
    }
  }

  private pump(): void {
    if (this.eventLog.faults.fault || Date.now() < this.launchRetryAt) return;
    while (!this.stopping && this.running.size < this.config.engine.concurrency && this.queue.length > 0) {
      const id = this.queue.shift() as string;
      // The slot is taken now, before any await, so that concurrent pumps cannot overfill it.
      const active = new ActiveRun();
      this.running.set(id, active);
      active.done = this.launch(id, active)
        .catch((error: Error) => {
          if (!active.run && isStoreUnavailable(error)) this.retryLaunch(id);
          else this.logger.error(`Run of ${id} crashed: ${error.message}`);
        })
        .finally(() => {
          this.running.delete(id);
          this.pump();
        });
    }
  }

  /** The store was unavailable before the run could start: it goes back to the queue's head, tried again later. */
  private retryLaunch(workflowId: string): void {
    this.logger.warn(`Run of ${workflowId} could not start (store unavailable); trying again shortly`);
    this.queue.unshift(workflowId);
    this.launchRetryAt = Date.now() + LAUNCH_RETRY_MS;
    clearTimeout(this.launchRetryTimer);
    this.launchRetryTimer = setTimeout(() => this.pump(), LAUNCH_RETRY_MS);
    this.launchRetryTimer.unref();
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

  private stopDetail = '';

  attach(run: WorkflowRun): void {
    this.run = run;
    if (this.stopRequested) run.stop(this.stopRequested, this.stopDetail);
  }

  stop(reason: StopReason, detail = ''): void {
    if (!this.stopRequested) {
      this.stopRequested = reason;
      this.stopDetail = detail;
    }
    this.run?.stop(reason, detail);
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
