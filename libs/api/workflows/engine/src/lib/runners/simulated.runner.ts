import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import {
  type AgentDefinition,
  fromMicros,
  type SimulatedRunnerDefinition,
  toMicros,
} from '@flowcast/shared-contract';
import { AgentFailedError, AgentRunner, RunnerContext, RunnerOutcome } from './agent-runner';

/**
 * A scripted agent: waits `durationMs` in total, prints `progressMessages` lines evenly over it and accrues
 * `cost` evenly with them, then completes — or fails when `fail` is set, or while the iteration is at most
 * `failIterations` (a loop that passes later). The demo and the test workhorse.
 */
@Injectable()
export class SimulatedRunner implements AgentRunner<SimulatedRunnerDefinition> {
  readonly type = 'simulated' as const;

  async run(
    agent: AgentDefinition & { runner: SimulatedRunnerDefinition },
    context: RunnerContext,
  ): Promise<RunnerOutcome> {
    const {
      durationMs = 1_000,
      cost = 0,
      progressMessages = 3,
      fail = false,
      failIterations = 0,
      output,
    } = agent.runner;
    const steps = Math.max(progressMessages, 1);
    const stepMs = durationMs / steps;
    // The cost in whole micro-dollars, split so that the steps add up to it exactly (1.25 is 1.25).
    const costMicros = toMicros(cost);
    const share = (step: number) =>
      Math.floor((costMicros * step) / steps) - Math.floor((costMicros * (step - 1)) / steps);
    const started = performance.now();
    for (let step = 1; step <= steps; step++) {
      // Sleep until this step's due time, so that timer drift does not add up over many steps.
      const due = started + stepMs * step - performance.now();
      if (due >= 1) await sleep(due, undefined, { signal: context.signal });
      else context.signal.throwIfAborted();
      if (step <= progressMessages) {
        const message = `${agent.name}: step ${step}/${progressMessages}`;
        context.log('info', message);
        context.progress(message);
      }
      if (costMicros > 0 && share(step) > 0) context.reportCost(fromMicros(share(step)));
    }
    if (fail || context.iteration <= failIterations) {
      throw new AgentFailedError(`${agent.name} failed (simulated, iteration ${context.iteration})`);
    }
    return { output: output ?? `${agent.name} finished ${agent.role} work` };
  }
}
