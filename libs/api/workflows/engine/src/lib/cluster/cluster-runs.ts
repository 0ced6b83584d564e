import { Logger, ServiceUnavailableException } from '@nestjs/common';
import { type Job, Queue, Worker } from 'bullmq';
import {
  type ClusterBus,
  type InstanceLiveness,
  LIVENESS_TTL_MS,
  REDIS_PREFIX,
  type RedisClients,
} from '@flowcast/api-core';
import type { EventLog, WorkflowsRepository } from '@flowcast/api-workflows-data-access';
import type { NewEvent, WorkflowDetail } from '@flowcast/shared-contract';

const QUEUE_NAME = 'runs';
/** BullMQ's keys live under flowcast:runs:… beside Flowcast's own. */
const QUEUE_PREFIX = REDIS_PREFIX.slice(0, -1);
/** A job's lock lapses this long after its instance stopped renewing it; BullMQ then fails it (never re-runs). */
const LOCK_MS = 10_000;
const STALLED_CHECK_MS = 5_000;
/** How often each instance looks for runs claimed by instances that are gone. */
const REAP_EVERY_MS = 5_000;
const CANCEL_TOPIC = 'cancel';

interface RunJob {
  workflowId: string;
}

export interface ClusterRunsOptions {
  redis: RedisClients;
  bus: ClusterBus;
  liveness: InstanceLiveness;
  workflows: WorkflowsRepository;
  eventLog: EventLog;
  /** WORKFLOW_CONCURRENCY: jobs this instance's worker runs at once. */
  concurrency: number;
  /** Claims and runs a queued workflow here; resolves when the run has ended (or was not this one's to run). */
  run(workflowId: string): Promise<void>;
  /** Stops a run of this instance; false when it runs none of that id. */
  stop(workflowId: string): boolean;
  /** The events that end an unfinished workflow as interrupted. */
  interruptedEvents(view: WorkflowDetail): NewEvent[];
}

/**
 * Runs spread over the instances of a cluster, on BullMQ: a start adds a job (its id is the workflow's, so
 * a workflow is queued once); each instance's worker takes up to WORKFLOW_CONCURRENCY jobs and claims each
 * workflow in the store before running it, so exactly one instance runs it. A cancel for a run elsewhere
 * goes to every instance over the cluster bus; the one running it stops it.
 *
 * An instance that dies mid-run stops renewing its liveness key; each instance checks the claims of
 * unfinished workflows every five seconds, and when a claimant's key has been missing on two checks in a
 * row, takes its workflows over in the store (a conditional update: one taker) and ends them as
 * interrupted. BullMQ fails the dead instance's jobs once their locks lapse (maxStalledCount 0): a job is
 * never run twice.
 */
export class ClusterRuns {
  private readonly logger = new Logger(ClusterRuns.name);
  private readonly queue: Queue<RunJob>;
  private worker: Worker<RunJob> | null = null;
  private reaper: NodeJS.Timeout | undefined;
  private reaping = false;
  /** Claimants found without a liveness key on the previous check. */
  private missing = new Set<string>();
  private stopping = false;
  readonly counters = { reaped: 0 };

  constructor(private readonly options: ClusterRunsOptions) {
    this.queue = new Queue<RunJob>(QUEUE_NAME, {
      connection: options.redis.forQueue({ failFast: true }),
      prefix: QUEUE_PREFIX,
      defaultJobOptions: { attempts: 1, removeOnComplete: true, removeOnFail: true },
    });
    this.queue.on('error', (error) => this.logger.warn(`Run queue: ${error.message}`));
  }

  get instanceId(): string {
    return this.options.redis.instanceId;
  }

  /** Starts the worker and the reaper; re-queues workflows whose start was asked for but that wait unclaimed. */
  async start(queued: string[]): Promise<void> {
    this.options.bus.on<{ workflowId: string }>(CANCEL_TOPIC, ({ workflowId }) => {
      if (this.options.stop(workflowId))
        this.logger.log(`Cancelling ${workflowId} as asked by another instance`);
    });
    for (const workflowId of queued) await this.enqueue(workflowId);
    // Redis back after an outage may have come back empty (no persistence): queue the waiting runs again.
    this.options.redis.command.on('ready', this.onRedisReady);
    this.worker = new Worker<RunJob>(QUEUE_NAME, (job) => this.process(job), {
      connection: this.options.redis.forQueue(),
      prefix: QUEUE_PREFIX,
      concurrency: this.options.concurrency,
      lockDuration: LOCK_MS,
      stalledInterval: STALLED_CHECK_MS,
      maxStalledCount: 0,
    });
    this.worker.on('error', (error) => this.logger.warn(`Run worker: ${error.message}`));
    this.worker.on('failed', (job, error) => {
      // Only a lapsed lock fails a job (the processor never throws): its instance is gone or stuck; the
      // reaper ends the workflow once the instance's liveness key is gone too.
      this.logger.warn(`Run job ${job?.id ?? '?'} failed: ${error.message}`);
    });
    this.reaper = setInterval(() => void this.reap(), REAP_EVERY_MS);
    this.reaper.unref();
  }

  /** Queues a run; throws 503 when Redis cannot take it now. */
  async enqueue(workflowId: string, jobId = workflowId): Promise<void> {
    try {
      await this.queue.add('run', { workflowId }, { jobId });
    } catch (error) {
      throw new ServiceUnavailableException(`The run queue is unavailable: ${(error as Error).message}`);
    }
  }

  /** Removes a waiting run's job (a pending workflow cancelled before any instance took it). */
  async dequeue(workflowId: string): Promise<void> {
    await this.queue.remove(workflowId).catch(() => undefined);
  }

  /** Asks every instance to cancel a run; throws 503 when the message cannot be sent. */
  async requestCancel(workflowId: string): Promise<void> {
    try {
      await this.options.bus.publish(CANCEL_TOPIC, { workflowId });
    } catch (error) {
      throw new ServiceUnavailableException(
        `Cannot reach the instance running ${workflowId}: ${(error as Error).message}`,
      );
    }
  }

  /** Jobs in the run queue by state (waiting, active, delayed), for the metrics scrape. */
  async depth(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
  }

  /** Stops taking jobs; the runs in progress are ended by the engine, and their jobs complete. */
  beginShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.reaper);
    return this.worker ? this.worker.close() : Promise.resolve();
  }

  /** Closes the worker without waiting any longer for its jobs (the engine has waited as long as it may). */
  async close(): Promise<void> {
    clearInterval(this.reaper);
    this.options.redis.command.off('ready', this.onRedisReady);
    await this.worker?.close(true);
    await this.queue.close();
  }

  private readonly onRedisReady = () => void this.requeue();

  /** Adds a job again for every workflow whose start was asked for and that no instance has claimed. */
  private async requeue(): Promise<void> {
    if (this.stopping) return;
    try {
      const waiting = await this.options.workflows.findQueued();
      for (const workflowId of waiting) await this.enqueue(workflowId);
      if (waiting.length > 0)
        this.logger.log(`Queued ${waiting.length} waiting runs again after Redis came back`);
    } catch (error) {
      this.logger.warn(`Could not queue the waiting runs again: ${(error as Error).message}`);
    }
  }

  private async process(job: Job<RunJob>): Promise<void> {
    const { workflowId } = job.data;
    if (this.stopping) {
      // Taken just as this instance began to stop: hand the run to another instance under a fresh job id.
      await this.enqueue(workflowId, `${workflowId}.${Date.now()}`).catch((error: Error) =>
        this.logger.error(`Could not hand ${workflowId} back to the queue: ${error.message}`),
      );
      return;
    }
    try {
      await this.options.run(workflowId);
    } catch (error) {
      this.logger.error(`Run of ${workflowId} crashed: ${(error as Error).message}`);
    }
  }

  /** Takes one of a dead instance's workflows over (one taker wins) and ends it as interrupted. */
  private async endInterrupted(id: string, dead: string): Promise<void> {
    try {
      if (!(await this.options.workflows.takeOver(id, dead, this.instanceId))) return;
      const record = await this.options.workflows.findById(id);
      if (!record) return;
      await this.options.eventLog.append(id, this.options.interruptedEvents(record.view));
      this.counters.reaped++;
      this.logger.warn(
        `Workflow ${id} was running on ${dead}, gone for over ${LIVENESS_TTL_MS / 1_000} s: ended as interrupted`,
      );
    } catch (error) {
      // Ended meanwhile (the event log refuses events after the end), or the store failed: the claim is
      // ours now, so should this instance die too, the next one takes it over from us.
      this.logger.warn(`Could not end ${id} of ${dead} as interrupted: ${(error as Error).message}`);
    }
  }

  /** Ends, once, the unfinished workflows of instances whose liveness key was missing on two checks in a row. */
  private async reap(): Promise<void> {
    if (this.reaping || this.stopping) return;
    this.reaping = true;
    try {
      // One small query for who holds claims; the workflows themselves only for a claimant found dead.
      const claimants = (await this.options.workflows.findClaimants()).filter((id) => id !== this.instanceId);
      const alive = await this.options.liveness.alive(claimants);
      const missing = new Set(claimants.filter((id) => !alive.has(id)));
      for (const dead of missing) {
        if (!this.missing.has(dead)) continue; // missing twice in a row, five seconds apart
        for (const id of await this.options.workflows.findClaimedBy(dead)) {
          await this.endInterrupted(id, dead);
        }
      }
      this.missing = missing;
    } catch (error) {
      this.logger.warn(`Could not check for runs of dead instances: ${(error as Error).message}`);
    } finally {
      this.reaping = false;
    }
  }
}
