import fc from 'fast-check';
import type { StoredEvent, StoredEventType, StreamEvent, WorkflowEventMap } from './events';
import { foldWorkflow, reduceWorkflow, seedWorkflow, snapshotEvents, type WorkflowSeed } from './reducer';
import { LOG_LEVELS, type WorkflowDetail } from './workflow-state';

const WORKFLOW_ID = 'wf_AbCdEfGhIjKlMnOp';
const T0 = Date.UTC(2026, 10, 28, 9, 0, 0);
const at = (ms: number) => new Date(T0 + ms).toISOString();

const SEED: WorkflowSeed = {
  id: WORKFLOW_ID,
  name: 'Fix login bug',
  createdAt: at(0),
  maxIterations: 1,
  budgetLimit: 5,
  agents: [
    { agentName: 'agent-1', agentRole: 'developer' },
    { agentName: 'agent-2', agentRole: 'reviewer' },
  ],
};

function stored<K extends StoredEventType>(
  id: number,
  type: K,
  payload: WorkflowEventMap[K],
  ts = at(id * 1_000),
): StoredEvent {
  return { id, type, data: { ...payload, workflowId: WORKFLOW_ID, ts } } as StoredEvent;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------------
// Event sequences as the engine produces them.
// ---------------------------------------------------------------------------------------------------------

type Draft = { [K in StoredEventType]: { type: K; payload: WorkflowEventMap[K] } }[StoredEventType];

interface AgentScript {
  role: string;
  prompt: string;
  /** Noise between agent:started and the agent's end. */
  noise: ('log' | 'batch' | 'progress' | 'cost' | 'warning')[];
  messages: string[];
  costCents: number;
  duration: number;
  fails: boolean;
  withIterations: boolean;
}

interface Scenario {
  name: string;
  maxIterations: number | undefined;
  budgetLimit: number | undefined;
  agents: AgentScript[];
  ending: 'completed' | 'failed' | 'cancelled' | 'midway';
  cutAt: number;
  gaps: number[];
}

const agentScriptArb: fc.Arbitrary<AgentScript> = fc.record({
  role: fc.constantFrom('developer', 'reviewer', 'tester'),
  prompt: fc.string({ maxLength: 20 }),
  noise: fc.array(fc.constantFrom('log', 'batch', 'progress', 'cost', 'warning'), { maxLength: 8 }),
  messages: fc.array(fc.string({ maxLength: 12 }), { minLength: 1, maxLength: 3 }),
  costCents: fc.integer({ min: 0, max: 500 }),
  duration: fc.integer({ min: 0, max: 60_000 }),
  // One agent in five fails, so that most sequences run several agents.
  fails: fc.integer({ min: 0, max: 4 }).map((roll) => roll === 0),
  withIterations: fc.boolean(),
});

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  name: fc.string({ maxLength: 20 }),
  maxIterations: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
  budgetLimit: fc.option(
    fc.integer({ min: 0, max: 10_000 }).map((cents) => cents / 100),
    { nil: undefined },
  ),
  agents: fc.array(agentScriptArb, { minLength: 1, maxLength: 4 }),
  ending: fc.constantFrom('completed', 'failed', 'cancelled', 'midway'),
  cutAt: fc.nat(),
  gaps: fc.array(fc.integer({ min: 1, max: 5_000 }), { minLength: 64, maxLength: 64 }),
});

function draftsOf(scenario: Scenario): Draft[] {
  const drafts: Draft[] = [
    {
      type: 'workflow:started',
      payload: {
        name: scenario.name,
        totalSteps: scenario.agents.length,
        ...(scenario.maxIterations !== undefined ? { maxIterations: scenario.maxIterations } : {}),
        ...(scenario.budgetLimit !== undefined ? { budgetLimit: scenario.budgetLimit } : {}),
      },
    },
  ];
  let totalCost = 0;
  let failed: string | undefined;
  for (const [index, agent] of scenario.agents.entries()) {
    const agentName = `agent-${index + 1}`;
    const stepNumber = index + 1;
    drafts.push({
      type: 'workflow:running',
      payload: {
        currentAgent: agentName,
        currentStep: stepNumber,
        ...(agent.withIterations ? { iterations: 1 } : {}),
      },
    });
    drafts.push({
      type: 'agent:started',
      payload: { agentName, agentRole: agent.role, stepNumber, prompt: agent.prompt },
    });
    let agentCost = 0;
    for (const [n, kind] of agent.noise.entries()) {
      const message = agent.messages[n % agent.messages.length];
      const timestamp = at(n);
      switch (kind) {
        case 'log':
          drafts.push({ type: 'log:created', payload: { level: LOG_LEVELS[n % 4], message, timestamp } });
          break;
        case 'batch':
          drafts.push({
            type: 'log:batch',
            payload: {
              ...(n % 2 === 0 ? { agentName } : {}),
              lines: agent.messages.map((line) => ({ level: 'info', message: line, timestamp })),
            },
          });
          break;
        case 'progress':
          drafts.push({ type: 'agent:progress', payload: { agentName, message, level: 'info' } });
          break;
        case 'cost': {
          const delta = agent.costCents / 100 / Math.max(agent.noise.length, 1);
          agentCost += delta;
          totalCost += delta;
          drafts.push({ type: 'workflow:running', payload: { totalCost } });
          break;
        }
        case 'warning':
          drafts.push({
            type: 'budget:warning',
            payload: { currentCost: totalCost, budgetLimit: scenario.budgetLimit ?? 1, percentageUsed: 80 },
          });
          break;
      }
    }
    const end = { agentName, stepNumber, duration: agent.duration, cost: agentCost };
    if (agent.fails) {
      failed = `${agentName} failed (simulated)`;
      drafts.push({ type: 'agent:failed', payload: { ...end, error: failed } });
    } else {
      drafts.push({ type: 'agent:completed', payload: { ...end, output: `${agentName} done` } });
    }
    if (failed) break; // the workflow:failed that follows carries the total cost
    drafts.push({ type: 'workflow:running', payload: { totalCost } });
  }
  const summary = { duration: 1_234, totalCost, iterations: 1 };
  if (scenario.ending === 'cancelled') drafts.push({ type: 'workflow:cancelled', payload: summary });
  else if (failed !== undefined || scenario.ending === 'failed') {
    drafts.push({ type: 'workflow:failed', payload: { ...summary, error: failed ?? 'interrupted' } });
  } else if (scenario.ending === 'completed') {
    drafts.push({ type: 'workflow:completed', payload: { ...summary, currentStep: scenario.agents.length } });
  } else {
    return drafts.slice(0, 1 + (scenario.cutAt % drafts.length));
  }
  return drafts;
}

/** Ids 1..n, strictly increasing ISO times, workflowId in every `data`. */
function eventsOf(scenario: Scenario): StoredEvent[] {
  let elapsed = 0;
  return draftsOf(scenario).map((draft, index) => {
    elapsed += scenario.gaps[index % scenario.gaps.length];
    return stored(index + 1, draft.type, draft.payload as never, at(elapsed));
  });
}

const seedOf = (scenario: Scenario): WorkflowSeed => ({
  id: WORKFLOW_ID,
  name: scenario.name,
  createdAt: at(0),
  maxIterations: scenario.maxIterations ?? 1,
  budgetLimit: scenario.budgetLimit ?? null,
  agents: scenario.agents.map((agent, index) => ({ agentName: `agent-${index + 1}`, agentRole: agent.role })),
});

/** A blank view of the same workflow that differs from the real seed in everything but the id. */
const otherSeedArb: fc.Arbitrary<WorkflowDetail> = fc
  .record({
    name: fc.string({ maxLength: 10 }),
    createdAt: fc.integer({ min: -1_000_000, max: 1_000_000 }).map(at),
    maxIterations: fc.integer({ min: 1, max: 9 }),
    budgetLimit: fc.option(fc.integer({ min: 0, max: 1_000 }), { nil: null }),
    agents: fc.array(
      fc.record({ agentName: fc.string({ maxLength: 8 }), agentRole: fc.constantFrom('x', 'y') }),
      { maxLength: 5 },
    ),
  })
  .map((seed) => seedWorkflow({ id: WORKFLOW_ID, ...seed }));

const sequenceArb = scenarioArb.map((scenario) => ({
  seed: seedWorkflow(seedOf(scenario)),
  events: eventsOf(scenario),
}));

describe('foldWorkflow over event sequences an engine produces', () => {
  it('generates sequences with ids 1..n, increasing times and a workflowId in every event', () => {
    fc.assert(
      fc.property(sequenceArb, ({ events }) => {
        expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
        for (let i = 1; i < events.length; i++) {
          expect(Date.parse(events[i].data.ts)).toBeGreaterThan(Date.parse(events[i - 1].data.ts));
        }
        expect(events.every((event) => event.data.workflowId === WORKFLOW_ID)).toBe(true);
        expect(events[0].type).toBe('workflow:started');
      }),
      { numRuns: 50 },
    );
  });

  it('gives the same state when a client starts from the snapshot at any point as when it folds the whole log', () => {
    fc.assert(
      fc.property(
        sequenceArb,
        otherSeedArb,
        fc.integer({ min: 0, max: 10_000 }),
        ({ seed, events }, other, skew) => {
          const whole = foldWorkflow(seed, events);
          for (let k = 0; k <= events.length; k++) {
            const snapshot = snapshotEvents(foldWorkflow(seed, events.slice(0, k)), at(skew));
            const resumed = foldWorkflow(other, [...snapshot, ...events.slice(k)]);
            expect(resumed).toStrictEqual(whole);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives the same state when a client with a stale view of the workflow replaces it with the snapshot', () => {
    fc.assert(
      fc.property(sequenceArb, fc.nat(), fc.nat(), ({ seed, events }, a, b) => {
        const k = a % (events.length + 1);
        const stale = foldWorkflow(seed, events.slice(0, b % (k + 1)));
        const snapshot = snapshotEvents(foldWorkflow(seed, events.slice(0, k)), at(0));
        expect(foldWorkflow(stale, [...snapshot, ...events.slice(k)])).toStrictEqual(
          foldWorkflow(seed, events),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('ends with lastEventId equal to the id of the last event folded', () => {
    fc.assert(
      fc.property(sequenceArb, fc.nat(), ({ seed, events }, cut) => {
        const prefix = events.slice(0, cut % (events.length + 1));
        expect(foldWorkflow(seed, prefix).lastEventId).toBe(
          prefix.length === 0 ? 0 : prefix[prefix.length - 1].id,
        );
      }),
      { numRuns: 100 },
    );
  });

  it('never mutates the view or the events it is given', () => {
    fc.assert(
      fc.property(sequenceArb, ({ seed, events }) => {
        const seedCopy = JSON.parse(JSON.stringify(seed));
        const eventsCopy = JSON.parse(JSON.stringify(events));
        deepFreeze(seed);
        deepFreeze(events);
        // Frozen inputs make any write throw (spec files are strict-mode modules).
        const view = foldWorkflow(seed, events);
        const snapshot = snapshotEvents(deepFreeze(view), at(0));
        foldWorkflow(deepFreeze(seedWorkflow(SEED)), deepFreeze(snapshot));
        expect(seed).toStrictEqual(seedCopy);
        expect(events).toStrictEqual(eventsCopy);
      }),
      { numRuns: 100 },
    );
  });

  it('keeps every intermediate state a different object from the one before it when an event has an id', () => {
    fc.assert(
      fc.property(sequenceArb, ({ seed, events }) => {
        let view = seed;
        for (const event of events) {
          const next = reduceWorkflow(view, event);
          expect(next).not.toBe(view);
          view = next;
        }
      }),
      { numRuns: 50 },
    );
  });

  it('ends completed, failed or cancelled exactly when the sequence ends with that event', () => {
    fc.assert(
      fc.property(sequenceArb, ({ seed, events }) => {
        const last = events[events.length - 1];
        const view = foldWorkflow(seed, events);
        const expected =
          last.type === 'workflow:completed'
            ? 'completed'
            : last.type === 'workflow:failed'
              ? 'failed'
              : last.type === 'workflow:cancelled'
                ? 'cancelled'
                : 'running';
        expect(view.status).toBe(expected);
        expect(view.completedAt).toBe(expected === 'running' ? null : last.data.ts);
      }),
      { numRuns: 100 },
    );
  });
});

describe('seedWorkflow', () => {
  it('builds a pending workflow whose agents are numbered from 1 in definition order', () => {
    expect(seedWorkflow(SEED)).toStrictEqual({
      id: WORKFLOW_ID,
      name: 'Fix login bug',
      status: 'pending',
      currentAgent: null,
      currentStep: null,
      totalSteps: 2,
      iterations: 0,
      maxIterations: 1,
      totalCost: 0,
      budgetLimit: 5,
      createdAt: at(0),
      startedAt: null,
      completedAt: null,
      error: null,
      agents: [
        {
          agentName: 'agent-1',
          agentRole: 'developer',
          stepNumber: 1,
          status: 'pending',
          startedAt: null,
          completedAt: null,
          duration: null,
          cost: null,
        },
        {
          agentName: 'agent-2',
          agentRole: 'reviewer',
          stepNumber: 2,
          status: 'pending',
          startedAt: null,
          completedAt: null,
          duration: null,
          cost: null,
        },
      ],
      lastEventId: 0,
    });
  });
});

describe('reduceWorkflow', () => {
  const seed = seedWorkflow(SEED);
  const started = reduceWorkflow(
    seed,
    stored(1, 'workflow:started', { name: 'Renamed', totalSteps: 2, maxIterations: 3, budgetLimit: 7 }),
  );

  it('workflow:started marks the workflow running, takes name, steps and limits and records the start time', () => {
    expect(started).toMatchObject({
      status: 'running',
      name: 'Renamed',
      totalSteps: 2,
      maxIterations: 3,
      budgetLimit: 7,
      startedAt: at(1_000),
      completedAt: null,
      error: null,
      lastEventId: 1,
    });
  });

  it('workflow:started keeps the definition limits when the event leaves them out', () => {
    const view = reduceWorkflow(seed, stored(1, 'workflow:started', { name: 'n', totalSteps: 2 }));
    expect(view.maxIterations).toBe(1);
    expect(view.budgetLimit).toBe(5);
  });

  it('workflow:started keeps the first start time when a workflow is started again', () => {
    const again = reduceWorkflow(started, stored(2, 'workflow:started', { name: 'n', totalSteps: 2 }));
    expect(again.startedAt).toBe(at(1_000));
  });

  it('workflow:running changes only the fields it carries', () => {
    const running = reduceWorkflow(
      started,
      stored(2, 'workflow:running', { currentAgent: 'agent-1', currentStep: 1, iterations: 1 }),
    );
    expect(running).toMatchObject({ currentAgent: 'agent-1', currentStep: 1, iterations: 1, totalCost: 0 });
    const costed = reduceWorkflow(running, stored(3, 'workflow:running', { totalCost: 0.75 }));
    expect(costed).toStrictEqual({ ...running, totalCost: 0.75, lastEventId: 3 });
  });

  it('agent:started marks that step running with its start time and clears any earlier result', () => {
    const view = reduceWorkflow(
      started,
      stored(2, 'agent:started', { agentName: 'agent-1', agentRole: 'dev', stepNumber: 1, prompt: 'p' }),
    );
    expect(view.agents[0]).toStrictEqual({
      agentName: 'agent-1',
      agentRole: 'dev',
      stepNumber: 1,
      status: 'running',
      startedAt: at(2_000),
      completedAt: null,
      duration: null,
      cost: null,
    });
    expect(view.agents[1]).toBe(started.agents[1]);
  });

  it('agent:started for a step the view does not know adds the agent in step order', () => {
    const view = reduceWorkflow(
      { ...started, agents: [started.agents[1]] },
      stored(2, 'agent:started', { agentName: 'agent-1', agentRole: 'dev', stepNumber: 1, prompt: 'p' }),
    );
    expect(view.agents.map((agent) => [agent.stepNumber, agent.agentName, agent.status])).toEqual([
      [1, 'agent-1', 'running'],
      [2, 'agent-2', 'pending'],
    ]);
  });

  it('agent:completed records status, end time, duration and cost of that step', () => {
    const view = foldWorkflow(started, [
      stored(2, 'agent:started', { agentName: 'agent-1', agentRole: 'dev', stepNumber: 1, prompt: 'p' }),
      stored(3, 'agent:completed', {
        agentName: 'agent-1',
        stepNumber: 1,
        duration: 1500,
        cost: 1.5,
        output: 'ok',
      }),
    ]);
    expect(view.agents[0]).toMatchObject({
      status: 'completed',
      startedAt: at(2_000),
      completedAt: at(3_000),
      duration: 1500,
      cost: 1.5,
    });
  });

  it('agent:failed records the failure of that step without failing the workflow by itself', () => {
    const view = foldWorkflow(started, [
      stored(2, 'agent:started', { agentName: 'agent-2', agentRole: 'rev', stepNumber: 2, prompt: 'p' }),
      stored(3, 'agent:failed', {
        agentName: 'agent-2',
        stepNumber: 2,
        duration: 10,
        cost: 0.25,
        error: 'boom',
      }),
    ]);
    expect(view.agents[1]).toMatchObject({
      status: 'failed',
      completedAt: at(3_000),
      duration: 10,
      cost: 0.25,
    });
    expect(view.status).toBe('running');
    expect(view.error).toBeNull();
  });

  it('gives what the workflow spends while an agent runs to that agent, until its end sets the exact cost', () => {
    const agentStarted = (id: number, step: number) =>
      stored(id, 'agent:started', {
        agentName: `agent-${step}`,
        agentRole: 'r',
        stepNumber: step,
        prompt: 'p',
      });
    const first = foldWorkflow(started, [
      agentStarted(2, 1),
      stored(3, 'workflow:running', { totalCost: 0.4 }),
      stored(4, 'workflow:running', { totalCost: 0.7 }),
    ]);
    expect(first.agents.map((agent) => agent.cost)).toEqual([0.7, null]);
    const second = foldWorkflow(first, [
      stored(5, 'agent:completed', { agentName: 'agent-1', stepNumber: 1, duration: 5, cost: 0.75 }),
      stored(6, 'workflow:running', { totalCost: 0.75 }),
      agentStarted(7, 2),
      stored(8, 'workflow:running', { totalCost: 0.95 }),
      stored(9, 'workflow:running', { currentStep: 2 }),
    ]);
    // Money in micro-dollars: 0.95 - 0.75 reads 0.2, not 0.19999999999999996.
    expect(second.agents.map((agent) => agent.cost)).toEqual([0.75, 0.2]);
    // No agent running: a cost update changes the workflow's total only.
    const idle = foldWorkflow(started, [stored(2, 'workflow:running', { totalCost: 0.3 })]);
    expect(idle.agents).toBe(started.agents);
  });

  it('workflow:completed ends the workflow with its totals and the final step', () => {
    const view = reduceWorkflow(
      started,
      stored(2, 'workflow:completed', { duration: 2000, totalCost: 2, iterations: 1, currentStep: 2 }),
    );
    expect(view).toMatchObject({
      status: 'completed',
      totalCost: 2,
      iterations: 1,
      currentStep: 2,
      completedAt: at(2_000),
      error: null,
    });
  });

  it('workflow:completed without currentStep keeps the step the view had', () => {
    const running = reduceWorkflow(started, stored(2, 'workflow:running', { currentStep: 1 }));
    const view = reduceWorkflow(
      running,
      stored(3, 'workflow:completed', { duration: 1, totalCost: 0, iterations: 1 }),
    );
    expect(view.currentStep).toBe(1);
  });

  it('workflow:failed ends the workflow with its error', () => {
    const view = reduceWorkflow(
      started,
      stored(2, 'workflow:failed', { duration: 5, totalCost: 0.5, iterations: 1, error: 'interrupted' }),
    );
    expect(view).toMatchObject({
      status: 'failed',
      error: 'interrupted',
      totalCost: 0.5,
      completedAt: at(2_000),
    });
  });

  it('workflow:cancelled ends the workflow without an error', () => {
    const view = reduceWorkflow(
      started,
      stored(2, 'workflow:cancelled', { duration: 5, totalCost: 0.1, iterations: 1 }),
    );
    expect(view).toMatchObject({ status: 'cancelled', error: null, totalCost: 0.1, completedAt: at(2_000) });
  });

  it.each<[string, StoredEvent]>([
    ['agent:progress', stored(2, 'agent:progress', { agentName: 'agent-1', message: 'm', level: 'info' })],
    ['budget:warning', stored(2, 'budget:warning', { currentCost: 4, budgetLimit: 5, percentageUsed: 80 })],
    [
      'budget:exceeded',
      stored(2, 'budget:exceeded', { currentCost: 6, budgetLimit: 5, percentageUsed: 120 }),
    ],
    ['log:created', stored(2, 'log:created', { level: 'info', message: 'm', timestamp: at(0) })],
    ['log:batch', stored(2, 'log:batch', { lines: [{ level: 'warn', message: 'm', timestamp: at(0) }] })],
  ])('%s changes nothing but lastEventId', (_type, event) => {
    expect(reduceWorkflow(started, event)).toStrictEqual({ ...started, lastEventId: 2 });
  });

  it('stream:reset, which has no id, returns the very same view', () => {
    const reset: StreamEvent = {
      type: 'stream:reset',
      data: { requestedId: '99', latestId: 1, reason: 'unknown-id', workflowId: WORKFLOW_ID, ts: at(0) },
    };
    expect(reduceWorkflow(started, reset)).toBe(started);
  });

  it('never moves lastEventId backwards for an event with an older id', () => {
    const view = reduceWorkflow(
      started,
      stored(1, 'log:created', { level: 'info', message: 'm', timestamp: at(0) }),
    );
    expect(view.lastEventId).toBe(1);
    const later = reduceWorkflow(
      { ...started, lastEventId: 9 },
      stored(4, 'workflow:running', { totalCost: 1 }),
    );
    expect(later.lastEventId).toBe(9);
    expect(later.totalCost).toBe(1);
  });

  it('workflow:state replaces every workflow field but keeps the agents and lastEventId', () => {
    const target = foldWorkflow(started, [
      stored(2, 'workflow:running', { currentAgent: 'agent-2', currentStep: 2, totalCost: 3 }),
      stored(3, 'workflow:failed', { duration: 5, totalCost: 3, iterations: 1, error: 'x' }),
    ]);
    const [state] = snapshotEvents(target, at(99_000));
    const view = reduceWorkflow(seed, state);
    const { agents: _agents, lastEventId: _lastEventId, ...fields } = target;
    expect(view).toStrictEqual({ ...fields, agents: seed.agents, lastEventId: 0 });
  });

  it('agent:state replaces the agents and carries the latest id', () => {
    const target = reduceWorkflow(
      started,
      stored(5, 'agent:started', { agentName: 'agent-1', agentRole: 'dev', stepNumber: 1, prompt: 'p' }),
    );
    const [, agents] = snapshotEvents(target, at(0));
    const view = reduceWorkflow(seed, agents);
    expect(view.agents).toStrictEqual(target.agents);
    expect(view.agents[0]).not.toBe(target.agents[0]);
    expect(view.lastEventId).toBe(5);
  });
});

describe('snapshotEvents', () => {
  it('sends workflow:state without an id and then agent:state carrying the latest event id', () => {
    const view = { ...seedWorkflow(SEED), lastEventId: 42 };
    const [state, agents] = snapshotEvents(view, at(7));
    expect(state).toStrictEqual({
      type: 'workflow:state',
      data: (({ agents: _a, lastEventId: _l, ...rest }) => ({ ...rest, workflowId: WORKFLOW_ID, ts: at(7) }))(
        view,
      ),
    });
    expect('id' in state).toBe(false);
    expect(agents).toStrictEqual({
      type: 'agent:state',
      id: 42,
      data: { agents: view.agents, workflowId: WORKFLOW_ID, ts: at(7) },
    });
  });
});
