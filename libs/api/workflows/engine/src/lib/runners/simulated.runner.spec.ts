import {
  type AgentDefinition,
  fromMicros,
  type LogLevel,
  type SimulatedRunnerDefinition,
  toMicros,
} from '@flowcast/shared-contract';
import { AgentFailedError, type RunnerContext } from './agent-runner';
import { SimulatedRunner } from './simulated.runner';

type SimulatedAgent = AgentDefinition & { runner: SimulatedRunnerDefinition };

function agent(runner: Omit<SimulatedRunnerDefinition, 'type'>): SimulatedAgent {
  return {
    name: 'agent-1',
    role: 'developer',
    prompt: 'Fix the bug',
    runner: { type: 'simulated', ...runner },
  };
}

/** A context that records what the runner reports; `onLog` lets a test act at a given line. */
function recordingContext(controller = new AbortController(), onLog?: (message: string) => void) {
  const logs: { level: LogLevel; message: string }[] = [];
  const progress: string[] = [];
  const costs: number[] = [];
  const context: RunnerContext = {
    workflowId: 'wf_AbCdEfGhIjKlMnOp',
    signal: controller.signal,
    iteration: 1,
    capacity: () => Promise.resolve(),
    log: (level, message) => {
      logs.push({ level, message });
      onLog?.(message);
    },
    progress: (message) => progress.push(message),
    reportCost: (delta) => costs.push(delta),
  };
  return { context, controller, logs, progress, costs, totalCost: () => costs.reduce((a, b) => a + b, 0) };
}

describe('SimulatedRunner', () => {
  const runner = new SimulatedRunner();

  it('is the runner for the simulated type', () => {
    expect(runner.type).toBe('simulated');
  });

  it('fails on iterations up to failIterations and completes on the next', async () => {
    const first = recordingContext();
    await expect(runner.run(agent({ durationMs: 5, failIterations: 1 }), first.context)).rejects.toThrow(
      'agent-1 failed (simulated, iteration 1)',
    );
    const second = recordingContext();
    await expect(
      runner.run(agent({ durationMs: 5, failIterations: 1 }), { ...second.context, iteration: 2 }),
    ).resolves.toEqual({ output: expect.any(String) });
  });

  it('prints progressMessages numbered lines, each as a log line and as progress', async () => {
    const { context, logs, progress } = recordingContext();
    await runner.run(agent({ durationMs: 40, progressMessages: 4 }), context);
    const expected = [1, 2, 3, 4].map((step) => `agent-1: step ${step}/4`);
    expect(logs).toEqual(expected.map((message) => ({ level: 'info', message })));
    expect(progress).toEqual(expected);
  });

  it('reports a total cost equal to its cost, spread evenly over its steps', async () => {
    const { context, costs, totalCost } = recordingContext();
    await runner.run(agent({ durationMs: 30, progressMessages: 3, cost: 1.5 }), context);
    expect(costs).toEqual([0.5, 0.5, 0.5]);
    expect(totalCost()).toBeCloseTo(1.5, 10);
  });

  it('reports its whole cost once and prints nothing when it has no progress lines', async () => {
    const { context, costs, logs, progress } = recordingContext();
    await runner.run(agent({ durationMs: 5, progressMessages: 0, cost: 0.7 }), context);
    expect(costs).toEqual([0.7]);
    expect(logs).toEqual([]);
    expect(progress).toEqual([]);
  });

  it('reports no cost when it costs nothing', async () => {
    const { context, costs } = recordingContext();
    await runner.run(agent({ durationMs: 5, progressMessages: 2 }), context);
    expect(costs).toEqual([]);
  });

  it('keeps the total exact, to the micro-dollar, for a cost that does not divide evenly', async () => {
    for (const cost of [1, 1.25, 0.000007, 9.999999]) {
      const { context, costs } = recordingContext();
      await runner.run(agent({ durationMs: 7, progressMessages: 7, cost }), context);
      expect(costs.length).toBeGreaterThan(0);
      // Each share is whole micro-dollars, and they add up to the cost exactly.
      expect(
        costs.every((delta) => Number.isInteger(toMicros(delta)) && delta === fromMicros(toMicros(delta))),
      ).toBe(true);
      expect(costs.reduce((sum, delta) => sum + toMicros(delta), 0)).toBe(toMicros(cost));
    }
  });

  it('takes about durationMs in total', async () => {
    const { context } = recordingContext();
    const started = performance.now();
    await runner.run(agent({ durationMs: 120, progressMessages: 3 }), context);
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(115);
    expect(took).toBeLessThan(5_000);
  });

  it('resolves with the given output, or a default naming the agent and its role', async () => {
    await expect(
      runner.run(
        agent({ durationMs: 1, progressMessages: 1, output: 'patched' }),
        recordingContext().context,
      ),
    ).resolves.toEqual({ output: 'patched' });
    await expect(
      runner.run(agent({ durationMs: 1, progressMessages: 1 }), recordingContext().context),
    ).resolves.toEqual({
      output: 'agent-1 finished developer work',
    });
  });

  it('throws AgentFailedError at the end, after all its lines and cost, when fail is set', async () => {
    const { context, logs, totalCost } = recordingContext();
    const run = runner.run(agent({ durationMs: 20, progressMessages: 2, cost: 1, fail: true }), context);
    await expect(run).rejects.toThrow(AgentFailedError);
    await expect(run).rejects.toThrow('agent-1 failed (simulated, iteration 1)');
    expect(logs).toHaveLength(2);
    expect(totalCost()).toBeCloseTo(1, 10);
  });

  it('rejects promptly with the abort when its signal is aborted mid-run, and reports nothing after', async () => {
    const controller = new AbortController();
    const recorder = recordingContext(controller, (message) => {
      if (message.endsWith('step 1/100')) controller.abort(new Error('cancelled'));
    });
    const started = performance.now();
    const run = runner.run(agent({ durationMs: 10_000, progressMessages: 100, cost: 10 }), recorder.context);
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(recorder.logs.map((line) => line.message)).toEqual(['agent-1: step 1/100']);
    expect(recorder.totalCost()).toBeCloseTo(0.1, 10);
  });

  it('rejects at once, before printing anything, when its signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    const { context, logs, costs } = recordingContext(controller);
    const started = performance.now();
    await expect(
      runner.run(agent({ durationMs: 5_000, progressMessages: 5, cost: 1 }), context),
    ).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(logs).toEqual([]);
    expect(costs).toEqual([]);
  });

  it('notices an abort between steps that are too short to sleep', async () => {
    const controller = new AbortController();
    const { context, logs } = recordingContext(controller, () => controller.abort(new Error('cancelled')));
    await expect(runner.run(agent({ durationMs: 0, progressMessages: 5 }), context)).rejects.toThrow(
      'cancelled',
    );
    expect(logs).toHaveLength(1);
  });
});
