import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { sql } from 'kysely';
import { StoreConnection } from '@flowcast/api-core';
import {
  EventLog,
  EventsRepository,
  type PublishedBatch,
  WorkflowHub,
  WorkflowsRepository,
} from '@flowcast/api-workflows-data-access';
import {
  type AgentDefinition,
  foldWorkflow,
  seedWorkflow,
  type SimulatedRunnerDefinition,
  type StoredEvent,
  type WorkflowDefinition,
  type WorkflowDetail,
} from '@flowcast/shared-contract';
import { AgentFailedError, type AgentRunner, type RunnerContext } from './runners/agent-runner';
import { SimulatedRunner } from './runners/simulated.runner';
import { interruptedEvents } from './workflow-engine';
import { WorkflowRun } from './workflow-run';

jest.setTimeout(30_000);

let counter = 0;
const newId = () => `wf_enginerun${String(++counter).padStart(7, '0')}`;

function simulated(
  name: string,
  runner: Omit<SimulatedRunnerDefinition, 'type'>,
  role = 'developer',
): AgentDefinition {
  return { name, role, prompt: `Do ${name}`, runner: { type: 'simulated', ...runner } };
}

/** A runner driven by the test: it calls `script` with its context and does what the script does. */
function scripted(script: (context: RunnerContext) => Promise<{ output?: string }>): AgentRunner {
  return { type: 'simulated', run: (_agent, context) => script(context) };
}

/** A promise that a test can resolve from elsewhere (an event, not a sleep). */
function deferred<T = void>() {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Resolves with the signal's reason once it is aborted; the way a real runner stops. */
const untilAborted = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

describe('WorkflowRun (simulated agents, real SQLite event log)', () => {
  let dir: string;
  let store: StoreConnection;
  let workflows: WorkflowsRepository;
  let events: EventsRepository;
  let hub: WorkflowHub;
  let eventLog: EventLog;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowcast-engine-'));
    store = await StoreConnection.open({ kind: 'sqlite', path: join(dir, 'flowcast.db') });
    workflows = new WorkflowsRepository(store);
    events = new EventsRepository(store);
    hub = new WorkflowHub();
    eventLog = new EventLog(events, workflows, hub);
  });

  afterAll(async () => {
    await eventLog?.drain();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function prepare(
    definition: WorkflowDefinition,
    options: { runners?: Map<string, AgentRunner>; logBatchThreshold?: number } = {},
  ): Promise<{ run: WorkflowRun; seed: WorkflowDetail }> {
    const id = newId();
    const seed = seedWorkflow({
      id,
      name: definition.name,
      createdAt: new Date().toISOString(),
      maxIterations: definition.maxIterations ?? 1,
      budgetLimit: definition.budgetLimit ?? null,
      agents: definition.agents.map((agent) => ({ agentName: agent.name, agentRole: agent.role })),
    });
    await workflows.insert({ id, ownerId: null, definition, view: seed });
    const run = new WorkflowRun({
      workflowId: id,
      definition,
      eventLog,
      runners: options.runners ?? new Map([['simulated', new SimulatedRunner()]]),
      logBatchThreshold: options.logBatchThreshold ?? 50,
    });
    return { run, seed };
  }

  async function stored(workflowId: string): Promise<StoredEvent[]> {
    const rows = await events.readAfter(workflowId, 0, 100_000);
    return rows.map((row) => ({ id: row.seq, type: row.type, data: JSON.parse(row.data) }) as StoredEvent);
  }

  /** Every log line the events hold, in order. */
  const logMessages = (list: StoredEvent[]) =>
    list.flatMap((event) =>
      event.type === 'log:created'
        ? [event.data.message]
        : event.type === 'log:batch'
          ? event.data.lines.map((line) => line.message)
          : [],
    );

  /** Checks what every run must leave behind and returns the stored events and state. */
  async function finished(run: WorkflowRun, seed: WorkflowDetail) {
    const list = await stored(run.id);
    const view = (await workflows.findView(run.id)) as WorkflowDetail;
    expect(list.map((event) => event.id)).toEqual(list.map((_, index) => index + 1));
    expect(view).toStrictEqual(foldWorkflow(seed, list));
    const terminal = list.findIndex((event) =>
      ['workflow:completed', 'workflow:failed', 'workflow:cancelled'].includes(event.type),
    );
    // Exactly one terminal event, and it is the last one: nothing is recorded after a workflow ends.
    expect(terminal).toBe(list.length - 1);
    return { list, view, types: list.map((event) => event.type) };
  }

  it('runs the agents in order and records events that fold into the stored state', async () => {
    const { run, seed } = await prepare({
      name: 'Fix login bug',
      budgetLimit: 5,
      agents: [
        simulated('agent-1', { durationMs: 30, cost: 1.5, progressMessages: 1 }),
        simulated('agent-2', { durationMs: 20, cost: 0.5, progressMessages: 1, output: 'LGTM' }, 'reviewer'),
      ],
    });
    await run.execute();
    const { list, view, types } = await finished(run, seed);
    expect(types[0]).toBe('workflow:started');
    expect(types.filter((type) => type.startsWith('agent:') && type !== 'agent:progress')).toEqual([
      'agent:started',
      'agent:completed',
      'agent:started',
      'agent:completed',
    ]);
    expect(list[0].data).toMatchObject({
      name: 'Fix login bug',
      totalSteps: 2,
      maxIterations: 1,
      budgetLimit: 5,
    });
    expect(list.at(-1)?.data).toMatchObject({ totalCost: 2, iterations: 1, currentStep: 2 });
    expect(
      list.find((event) => event.type === 'agent:completed' && event.data.agentName === 'agent-2')?.data,
    ).toMatchObject({ stepNumber: 2, cost: 0.5, output: 'LGTM' });
    expect(view).toMatchObject({
      status: 'completed',
      totalCost: 2,
      currentAgent: 'agent-2',
      currentStep: 2,
      error: null,
    });
    expect(view.agents.map((agent) => [agent.agentName, agent.status, agent.cost])).toEqual([
      ['agent-1', 'completed', 1.5],
      ['agent-2', 'completed', 0.5],
    ]);
    expect(logMessages(list)).toEqual([
      'agent-1 (developer) started step 1',
      'agent-1: step 1/1',
      'agent-2 (reviewer) started step 2',
      'agent-2: step 1/1',
    ]);
  });

  it('coalesces an agent’s progress to one agent:progress per second and still delivers the last one', async () => {
    const { run, seed } = await prepare({
      name: 'chatty',
      agents: [simulated('agent-1', { durationMs: 200, progressMessages: 20 })],
    });
    await run.execute();
    const { list } = await finished(run, seed);
    const progress = list.filter((event) => event.type === 'agent:progress');
    expect(progress.map((event) => event.data.message)).toEqual([
      'agent-1: step 1/20',
      'agent-1: step 20/20',
    ]);
    // The second waited for the first one's window (exact timing is the coalescer spec's job).
    expect(Date.parse(progress[1].data.ts) - Date.parse(progress[0].data.ts)).toBeGreaterThanOrEqual(500);
    const completed = list.findIndex((event) => event.type === 'agent:completed');
    expect(progress[1].id).toBeLessThan(list[completed].id);
    // Every line is kept as a log line, though.
    expect(logMessages(list).filter((message) => message.includes(': step '))).toHaveLength(20);
  });

  it('gathers a flood of log lines into log:batch events without losing or reordering one', async () => {
    const { run, seed } = await prepare(
      { name: 'flood', agents: [simulated('agent-1', { durationMs: 20, progressMessages: 300 })] },
      { logBatchThreshold: 5 },
    );
    await run.execute();
    const { list } = await finished(run, seed);
    expect(list.some((event) => event.type === 'log:batch')).toBe(true);
    expect(logMessages(list)).toEqual([
      'agent-1 (developer) started step 1',
      ...Array.from({ length: 300 }, (_, i) => `agent-1: step ${i + 1}/300`),
    ]);
    for (const event of list) if (event.type === 'log:batch') expect(event.data.agentName).toBe('agent-1');
  });

  it('fails the workflow with the agent’s error when an agent fails, and starts no later agent', async () => {
    const { run, seed } = await prepare({
      name: 'broken',
      agents: [
        simulated('agent-1', { durationMs: 10, cost: 0.25, progressMessages: 1, fail: true }),
        simulated('agent-2', { durationMs: 10 }),
      ],
    });
    await run.execute();
    const { list, view, types } = await finished(run, seed);
    expect(types.filter((type) => type === 'agent:started')).toHaveLength(1);
    expect(list.find((event) => event.type === 'agent:failed')?.data).toMatchObject({
      agentName: 'agent-1',
      stepNumber: 1,
      cost: 0.25,
      error: 'agent-1 failed (simulated, iteration 1)',
    });
    expect(view).toMatchObject({
      status: 'failed',
      error: 'agent-1 failed (simulated, iteration 1)',
      totalCost: 0.25,
    });
    expect(view.agents.map((agent) => agent.status)).toEqual(['failed', 'pending']);
    expect(logMessages(list)).toContain('agent-1 failed: agent-1 failed (simulated, iteration 1)');
  });

  it('records the failure’s log line before the workflow ends even when the agent flooded the log', async () => {
    const runner = scripted(async (context) => {
      for (let i = 0; i < 40; i++) context.log('info', `noise ${i}`);
      throw new AgentFailedError('compiler exploded');
    });
    const { run, seed } = await prepare(
      { name: 'flood then fail', agents: [simulated('agent-1', {})] },
      { runners: new Map([['simulated', runner]]), logBatchThreshold: 5 },
    );
    await run.execute();
    const { list, types } = await finished(run, seed);
    expect(types.at(-1)).toBe('workflow:failed');
    const messages = logMessages(list);
    expect(messages.at(-1)).toBe('agent-1 failed: compiler exploded');
    expect(messages).toHaveLength(42);
  });

  it('fails an agent whose runner type has no runner', async () => {
    const { run, seed } = await prepare(
      { name: 'no runner', agents: [simulated('agent-1', {})] },
      { runners: new Map() },
    );
    await run.execute();
    const { view } = await finished(run, seed);
    expect(view).toMatchObject({ status: 'failed', error: 'no runner for type simulated' });
  });

  it('on cancel aborts the running agent at once, fails it as cancelled and ends the workflow cancelled', async () => {
    const started = deferred();
    let signal: AbortSignal | undefined;
    const runner = scripted(async (context) => {
      signal = context.signal;
      context.reportCost(0.3);
      started.resolve();
      return untilAborted(context.signal);
    });
    const { run, seed } = await prepare(
      { name: 'cancel me', agents: [simulated('agent-1', {}), simulated('agent-2', {})] },
      { runners: new Map([['simulated', runner]]) },
    );
    const execution = run.execute();
    await started.promise;
    run.stop('cancelled');
    run.stop('interrupted'); // a second reason does not replace the first
    await execution;
    expect(signal?.aborted).toBe(true);
    const { list, view, types } = await finished(run, seed);
    expect(types.filter((type) => type === 'agent:started')).toHaveLength(1);
    expect(list.find((event) => event.type === 'agent:failed')?.data).toMatchObject({
      agentName: 'agent-1',
      error: 'cancelled',
      cost: 0.3,
    });
    expect(types.at(-1)).toBe('workflow:cancelled');
    expect(view).toMatchObject({ status: 'cancelled', error: null, totalCost: 0.3 });
    expect(view.agents.map((agent) => agent.status)).toEqual(['failed', 'pending']);
  });

  it('stops a simulated agent promptly when cancelled mid-run', async () => {
    const { run, seed } = await prepare({
      name: 'long',
      agents: [simulated('agent-1', { durationMs: 60_000, progressMessages: 600 })],
    });
    const firstLine = deferred();
    const subscription = hub.watch(run.id).subscribe((batch: PublishedBatch) => {
      if (batch.events.some((event) => event.type === 'agent:progress')) firstLine.resolve();
    });
    const began = performance.now();
    const execution = run.execute();
    await firstLine.promise;
    run.stop('cancelled');
    await execution;
    subscription.unsubscribe();
    // Far less than the agent's minute; the last progress line may take up to its one-second window.
    expect(performance.now() - began).toBeLessThan(5_000);
    const { view } = await finished(run, seed);
    expect(view.status).toBe('cancelled');
  });

  it('ends a run stopped for shutdown as failed with error "interrupted"', async () => {
    const started = deferred();
    const runner = scripted(async (context) => {
      started.resolve();
      return untilAborted(context.signal);
    });
    const { run, seed } = await prepare(
      { name: 'shutdown', agents: [simulated('agent-1', {})] },
      { runners: new Map([['simulated', runner]]) },
    );
    const execution = run.execute();
    await started.promise;
    run.stop('interrupted');
    await execution;
    const { view, list } = await finished(run, seed);
    expect(view).toMatchObject({ status: 'failed', error: 'interrupted' });
    expect(list.find((event) => event.type === 'agent:failed')?.data).toMatchObject({ error: 'interrupted' });
  });

  it('stops the run and fails it, saying why, when the store refuses one of its events for its content', async () => {
    // A real refusal inside the real transaction: a trigger that rejects one line (not an outage).
    await sql
      .raw(
        `create trigger refuse_marked before insert on events when new.data like '%REFUSE-ME%' ` +
          `begin select raise(abort, 'row refused by the store'); end`,
      )
      .execute(store.db);
    const quiet = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const runner = scripted(async (context) => {
        context.log('info', 'fine');
        // Appends of one tick are stored together and refused together: the refused line comes later.
        await new Promise((resolve) => setTimeout(resolve, 50));
        context.log('info', 'REFUSE-ME');
        return untilAborted(context.signal);
      });
      const { run, seed } = await prepare(
        { name: 'refused', agents: [simulated('agent-1', {})] },
        { runners: new Map([['simulated', runner]]) },
      );
      await run.execute();
      const { view, list } = await finished(run, seed);
      const error = 'events could not be stored: row refused by the store';
      expect(view).toMatchObject({ status: 'failed', error });
      expect(list.find((event) => event.type === 'agent:failed')?.data).toMatchObject({ error });
      expect(logMessages(list)).toContain('fine');
      expect(logMessages(list)).not.toContain('REFUSE-ME');
    } finally {
      quiet.mockRestore();
      await sql.raw('drop trigger refuse_marked').execute(store.db);
    }
  });

  it('warns once at 80 % of the budget, then stops the agent and fails the workflow when it is exceeded', async () => {
    const { run, seed } = await prepare({
      name: 'pricey',
      budgetLimit: 1,
      agents: [
        simulated('agent-1', { durationMs: 50, cost: 2, progressMessages: 10 }),
        simulated('agent-2', { durationMs: 10 }),
      ],
    });
    await run.execute();
    const { list, view, types } = await finished(run, seed);
    const warnings = list.filter((event) => event.type === 'budget:warning');
    expect(warnings.map((event) => event.data)).toEqual([
      expect.objectContaining({ currentCost: 0.8, budgetLimit: 1, percentageUsed: 80 }),
    ]);
    const exceeded = list.filter((event) => event.type === 'budget:exceeded');
    expect(exceeded.map((event) => event.data)).toEqual([
      expect.objectContaining({ currentCost: 1.2, budgetLimit: 1, percentageUsed: 120 }),
    ]);
    expect(types.indexOf('budget:warning')).toBeLessThan(types.indexOf('budget:exceeded'));
    expect(types.filter((type) => type === 'agent:started')).toHaveLength(1);
    expect(list.find((event) => event.type === 'agent:failed')?.data).toMatchObject({
      error: 'budget exceeded: $1.2 of $1',
      cost: 1.2,
    });
    expect(view).toMatchObject({ status: 'failed', error: 'budget exceeded: $1.2 of $1', totalCost: 1.2 });
  });

  it('adds money exactly: two agents at $1.25 cost $2.50, and a budget of exactly that is not exceeded', async () => {
    const { run, seed } = await prepare({
      name: 'exact',
      budgetLimit: 2.5,
      agents: [
        simulated('agent-1', { durationMs: 20, progressMessages: 7, cost: 1.25 }),
        simulated('agent-2', { durationMs: 20, progressMessages: 3, cost: 1.25 }),
      ],
    });
    await run.execute();
    const { list, view, types } = await finished(run, seed);
    expect(view).toMatchObject({ status: 'completed', totalCost: 2.5 });
    expect(view.agents.map((agent) => agent.cost)).toEqual([1.25, 1.25]);
    const completed = list.find((event) => event.type === 'workflow:completed');
    expect(completed?.data).toMatchObject({ totalCost: 2.5 });
    expect(types).not.toContain('budget:exceeded');
    expect(list.filter((event) => event.type === 'budget:warning').map((event) => event.data)).toEqual([
      expect.objectContaining({ budgetLimit: 2.5, percentageUsed: expect.any(Number) }),
    ]);
  });

  it('keeps money exact to the micro-dollar however it is reported', async () => {
    const runner = scripted(async (context) => {
      for (let i = 0; i < 10; i++) context.reportCost(0.1);
      context.reportCost(-5); // ignored
      context.reportCost(Number.NaN); // ignored
      return {};
    });
    const { run, seed } = await prepare(
      { name: 'pennies', agents: [simulated('agent-1', {}), simulated('agent-2', {})] },
      { runners: new Map([['simulated', runner]]) },
    );
    await run.execute();
    const { view, list } = await finished(run, seed);
    expect(view.totalCost).toBe(2);
    expect(view.agents.map((agent) => agent.cost)).toEqual([1, 1]);
    // Every cost the stream shows is rounded, never 0.30000000000000004.
    for (const event of list) {
      if (event.type === 'workflow:running' && event.data.totalCost !== undefined) {
        expect(Math.round(event.data.totalCost * 1e6) / 1e6).toBe(event.data.totalCost);
      }
    }
  });
});

describe('interruptedEvents', () => {
  it('fails the running agent and then the workflow with error "interrupted", timed from their starts', () => {
    const seed = seedWorkflow({
      id: 'wf_AbCdEfGhIjKlMnOp',
      name: 'n',
      createdAt: '2026-11-28T12:00:00.000Z',
      maxIterations: 1,
      budgetLimit: null,
      agents: [
        { agentName: 'agent-1', agentRole: 'dev' },
        { agentName: 'agent-2', agentRole: 'rev' },
      ],
    });
    const view: WorkflowDetail = {
      ...seed,
      status: 'running',
      startedAt: '2026-11-28T12:00:00.000Z',
      totalCost: 0.75,
      iterations: 1,
      agents: [
        { ...seed.agents[0], status: 'completed', cost: 0.5 },
        { ...seed.agents[1], status: 'running', startedAt: '2026-11-28T12:00:10.000Z' },
      ],
    };
    const now = Date.parse('2026-11-28T12:00:30.000Z');
    expect(interruptedEvents(view, now)).toEqual([
      {
        type: 'agent:failed',
        payload: { agentName: 'agent-2', stepNumber: 2, duration: 20_000, cost: 0, error: 'interrupted' },
      },
      {
        type: 'workflow:failed',
        payload: { duration: 30_000, totalCost: 0.75, iterations: 1, error: 'interrupted' },
      },
    ]);
  });

  it('only fails the workflow when no agent was running, and never reports a negative duration', () => {
    const seed = seedWorkflow({
      id: 'wf_AbCdEfGhIjKlMnOp',
      name: 'n',
      createdAt: '2026-11-28T12:00:00.000Z',
      maxIterations: 1,
      budgetLimit: null,
      agents: [{ agentName: 'agent-1', agentRole: 'dev' }],
    });
    const view = { ...seed, status: 'running' as const, startedAt: '2026-11-28T12:01:00.000Z' };
    expect(interruptedEvents(view, Date.parse('2026-11-28T12:00:00.000Z'))).toEqual([
      {
        type: 'workflow:failed',
        payload: { duration: 0, totalCost: 0, iterations: 0, error: 'interrupted' },
      },
    ]);
  });
});
