import fc from 'fast-check';
import type { StoredEvent, StoredEventType, WorkflowEventMap } from './events';
import { foldWorkflow, seedWorkflow } from './reducer';
import { appendRunHistory, EMPTY_RUN_HISTORY, runHistory, type RunHistory } from './run-history';

const WORKFLOW_ID = 'wf_AbCdEfGhIjKlMnOp';
const T0 = Date.UTC(2026, 10, 28, 9, 0, 0);

type Draft = {
  [K in StoredEventType]: { type: K; payload: WorkflowEventMap[K]; atMs: number };
}[StoredEventType];

/** Stored events with ids 1, 2, 3, … and their times `atMs` after T0. */
function store(drafts: Draft[]): StoredEvent[] {
  return drafts.map(
    (draft, index) =>
      ({
        id: index + 1,
        type: draft.type,
        data: { ...draft.payload, workflowId: WORKFLOW_ID, ts: new Date(T0 + draft.atMs).toISOString() },
      }) as StoredEvent,
  );
}

function draft<K extends StoredEventType>(type: K, atMs: number, payload: WorkflowEventMap[K]): Draft {
  return { type, atMs, payload } as Draft;
}

/** One agent's run as the engine records it: announced, started, some cost on the way, then its end. */
function agentRun(
  name: string,
  step: number,
  from: number,
  run: { duration: number; cost: number; totalBefore: number; fails?: string; iteration?: number },
): Draft[] {
  const half = run.cost / 2;
  const end = from + run.duration;
  const done: Draft = run.fails
    ? draft('agent:failed', end, {
        agentName: name,
        stepNumber: step,
        duration: run.duration,
        cost: run.cost,
        error: run.fails,
      })
    : draft('agent:completed', end, {
        agentName: name,
        stepNumber: step,
        duration: run.duration,
        cost: run.cost,
      });
  return [
    draft('workflow:running', from, {
      currentAgent: name,
      currentStep: step,
      ...(run.iteration === undefined ? {} : { iterations: run.iteration }),
    }),
    draft('agent:started', from, { agentName: name, agentRole: 'dev', stepNumber: step, prompt: 'p' }),
    draft('agent:progress', from + 10, { agentName: name, message: 'working', level: 'info' }),
    draft('workflow:running', from + run.duration / 2, { totalCost: run.totalBefore + half }),
    draft('log:created', from + run.duration / 2, { level: 'info', message: 'x', timestamp: 'now' }),
    done,
    ...(run.fails ? [] : [draft('workflow:running', end, { totalCost: run.totalBefore + run.cost })]),
  ];
}

const started = draft('workflow:started', 0, { name: 'w', totalSteps: 2, maxIterations: 2, budgetLimit: 5 });

/** Iteration 1: dev completes, review fails (retry); iteration 2: both complete. */
const RETRIED = store([
  started,
  ...agentRun('dev', 1, 100, { duration: 1_000, cost: 1, totalBefore: 0, iteration: 1 }),
  ...agentRun('review', 2, 1_200, { duration: 500, cost: 0.5, totalBefore: 1, fails: 'bad' }),
  draft('log:created', 1_700, { level: 'warn', message: 'starting over', timestamp: 'now' }),
  ...agentRun('dev', 1, 1_800, { duration: 1_000, cost: 1, totalBefore: 1.5, iteration: 2 }),
  ...agentRun('review', 2, 2_900, { duration: 400, cost: 0.25, totalBefore: 2.5 }),
  draft('workflow:completed', 3_400, { duration: 3_400, totalCost: 2.75, iterations: 2, currentStep: 2 }),
]);

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

describe('runHistory', () => {
  it('is empty before the workflow started', () => {
    expect(runHistory([])).toEqual(EMPTY_RUN_HISTORY);
  });

  it('has one bar per agent per iteration, times in ms since the start', () => {
    const history = runHistory(RETRIED);
    expect(history.startedAt).toBe(new Date(T0).toISOString());
    expect(
      history.bars.map((bar) => [bar.agentName, bar.iteration, bar.status, bar.startMs, bar.endMs]),
    ).toEqual([
      ['dev', 1, 'completed', 100, 1_100],
      ['review', 1, 'failed', 1_200, 1_700],
      ['dev', 2, 'completed', 1_800, 2_800],
      ['review', 2, 'completed', 2_900, 3_300],
    ]);
    expect(history.bars[1].error).toBe('bad');
    expect(history.bars.map((bar) => [bar.duration, bar.cost])).toEqual([
      [1_000, 1],
      [500, 0.5],
      [1_000, 1],
      [400, 0.25],
    ]);
    expect(history.endMs).toBe(3_400);
    expect(history.iteration).toBe(2);
    expect(history.lastEventId).toBe(RETRIED.length);
  });

  it('has a cost point at the start and one per change of the total, the last one the final total', () => {
    const history = runHistory(RETRIED);
    expect(history.costPoints).toEqual([
      { atMs: 0, cost: 0 },
      { atMs: 600, cost: 0.5 },
      { atMs: 1_100, cost: 1 },
      { atMs: 1_450, cost: 1.25 },
      // review's failure reports no total: the next one does (rounded to the micro-dollar).
      { atMs: 2_300, cost: 2 },
      { atMs: 2_800, cost: 2.5 },
      { atMs: 3_100, cost: 2.625 },
      { atMs: 3_300, cost: 2.75 },
    ]);
    expect(history.totalCost).toBe(2.75);
  });

  it('keeps a running bar open, with the cost spent so far', () => {
    const cut = RETRIED.findIndex((event) => event.type === 'log:created');
    const history = runHistory(RETRIED.slice(0, cut));
    expect(history.bars).toEqual([
      {
        agentName: 'dev',
        stepNumber: 1,
        iteration: 1,
        status: 'running',
        startMs: 100,
        endMs: null,
        duration: null,
        cost: 0.5,
        error: null,
      },
    ]);
    expect(history.endMs).toBeNull();
  });

  it('ends a cancelled run with the stopped agent failed and the final total', () => {
    const events = store([
      started,
      ...agentRun('dev', 1, 100, {
        duration: 300,
        cost: 0.3,
        totalBefore: 0,
        iteration: 1,
        fails: 'cancelled',
      }),
      draft('workflow:cancelled', 450, { duration: 450, totalCost: 0.3, iterations: 1 }),
    ]);
    const history = runHistory(events);
    expect(history.bars.map((bar) => [bar.status, bar.error, bar.endMs])).toEqual([
      ['failed', 'cancelled', 400],
    ]);
    expect(history.costPoints.at(-1)).toEqual({ atMs: 450, cost: 0.3 });
    expect(history.endMs).toBe(450);
  });

  it('stops a bar left open at the workflow’s end', () => {
    const events = store([
      started,
      draft('agent:started', 100, { agentName: 'dev', agentRole: 'dev', stepNumber: 1, prompt: 'p' }),
      draft('workflow:failed', 900, { duration: 900, totalCost: 0, iterations: 1, error: 'interrupted' }),
    ]);
    const [bar] = runHistory(events).bars;
    expect(bar.endMs).toBe(900);
    // As the agents table shows it: nothing reported an end for the agent.
    expect(bar.status).toBe('running');
  });

  it('counts an agent that starts before any iteration is announced in iteration 1', () => {
    const events = store([
      started,
      draft('agent:started', 100, { agentName: 'dev', agentRole: 'dev', stepNumber: 1, prompt: 'p' }),
    ]);
    expect(runHistory(events).bars[0].iteration).toBe(1);
  });

  it('ignores events it already holds, and never mutates what it is given', () => {
    const history = runHistory(RETRIED);
    expect(runHistory(RETRIED, history)).toBe(history);
    const midway = deepFreeze(runHistory(RETRIED.slice(0, 9)));
    expect(runHistory(deepFreeze(structuredClone(RETRIED)), midway)).toEqual(history);
  });

  it('appending the live events one by one gives what folding them all at once gives', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: RETRIED.length }), (cut) => {
        let live: RunHistory = runHistory(RETRIED.slice(0, cut));
        for (const event of RETRIED.slice(cut)) live = appendRunHistory(live, event);
        expect(live).toEqual(runHistory(RETRIED));
      }),
    );
  });

  it('matches the agents table: each agent’s latest bar has its row’s status, cost and duration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: RETRIED.length }), (cut) => {
        const events = RETRIED.slice(0, cut);
        const history = runHistory(events);
        const seed = seedWorkflow({
          id: WORKFLOW_ID,
          name: 'w',
          createdAt: new Date(T0).toISOString(),
          maxIterations: 2,
          budgetLimit: 5,
          agents: [
            { agentName: 'dev', agentRole: 'dev' },
            { agentName: 'review', agentRole: 'dev' },
          ],
        });
        const view = foldWorkflow(seed, events);
        for (const agent of view.agents) {
          const latest = history.bars.filter((bar) => bar.stepNumber === agent.stepNumber).at(-1);
          if (agent.status === 'pending') {
            expect(latest).toBeUndefined();
            continue;
          }
          expect(latest?.status).toBe(agent.status);
          expect(latest?.cost).toBe(agent.cost ?? 0);
          expect(latest?.duration).toBe(agent.duration);
        }
        expect(history.totalCost).toBe(view.totalCost);
        expect(history.costPoints.at(-1)?.cost ?? 0).toBe(view.totalCost);
      }),
    );
  });
});
