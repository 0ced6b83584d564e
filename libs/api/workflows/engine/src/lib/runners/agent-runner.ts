import type { AgentDefinition, LogLevel, RunnerDefinition, RunnerType } from '@flowcast/shared-contract';

/** What a runner may do while it works; the engine turns these calls into stored events. */
export interface RunnerContext {
  readonly workflowId: string;
  /** The workflow's current iteration, from 1. */
  readonly iteration: number;
  /** Aborted on cancel, on budget:exceeded and on shutdown; a runner must stop promptly. */
  readonly signal: AbortSignal;
  log(level: LogLevel, message: string, metadata?: Record<string, unknown>): void;
  /** The agent's latest status line (sent as agent:progress, coalesced to one per second). */
  progress(message: string, level?: LogLevel): void;
  /** Cost incurred since the last report, in US dollars; counts against the budget at once. */
  reportCost(deltaUsd: number): void;
  /**
   * Resolves once the run's unstored output is back under its bound. A runner reading a fast producer
   * awaits it between chunks (pausing the producer), so that memory stays bounded however much it prints.
   */
  capacity(): Promise<void>;
}

export interface RunnerOutcome {
  output?: string;
}

/** Thrown by a runner when its agent failed (as opposed to a fault in the runner itself). */
export class AgentFailedError extends Error {}

export interface AgentRunner<D extends RunnerDefinition = RunnerDefinition> {
  readonly type: RunnerType;
  run(agent: AgentDefinition & { runner: D }, context: RunnerContext): Promise<RunnerOutcome>;
}

export const AGENT_RUNNERS = Symbol('AGENT_RUNNERS');
