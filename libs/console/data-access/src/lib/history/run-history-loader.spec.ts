import { Injector, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Subject } from 'rxjs';
import {
  foldWorkflow,
  runHistory,
  seedWorkflow,
  type StoredEvent,
  type StoredEventType,
  type WorkflowDetail,
  type WorkflowEventMap,
  type WorkflowEventsResponse,
} from '@flowcast/shared-contract';
import type { AppliedEvent } from '../stream/workflow-stream';
import { RunHistoryLoader } from './run-history-loader';

const WF = 'wf_AbCdEfGhIjKlMnOp';
const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);

const SEED = seedWorkflow({
  id: WF,
  name: 'w',
  createdAt: new Date(T0).toISOString(),
  maxIterations: 2,
  budgetLimit: 5,
  agents: [{ agentName: 'dev', agentRole: 'developer' }],
});

function stored<K extends StoredEventType>(id: number, type: K, payload: WorkflowEventMap[K]): AppliedEvent {
  return {
    id,
    type,
    data: { ...payload, workflowId: WF, ts: new Date(T0 + id * 10).toISOString() },
  } as AppliedEvent;
}

/** Two iterations of one agent, with `noise` log lines in the first: ids 1 … 10 + noise. */
function run(noise = 0): AppliedEvent[] {
  const events: AppliedEvent[] = [
    stored(1, 'workflow:started', { name: 'w', totalSteps: 1, budgetLimit: 5 }),
  ];
  const next = () => events.length + 1;
  for (const iteration of [1, 2]) {
    events.push(
      stored(next(), 'workflow:running', { currentAgent: 'dev', currentStep: 1, iterations: iteration }),
    );
    events.push(
      stored(next(), 'agent:started', {
        agentName: 'dev',
        agentRole: 'developer',
        stepNumber: 1,
        prompt: 'p',
      }),
    );
    for (let line = 0; iteration === 1 && line < noise; line++) {
      events.push(stored(next(), 'log:created', { level: 'info', message: `${line}`, timestamp: 'now' }));
    }
    events.push(stored(next(), 'workflow:running', { totalCost: iteration * 0.5 - 0.25 }));
    events.push(
      iteration === 1
        ? stored(next(), 'agent:failed', {
            agentName: 'dev',
            stepNumber: 1,
            duration: 5,
            cost: 0.5,
            error: 'x',
          })
        : stored(next(), 'agent:completed', { agentName: 'dev', stepNumber: 1, duration: 5, cost: 0.5 }),
    );
  }
  events.push(
    stored(next(), 'workflow:completed', { duration: 99, totalCost: 1, iterations: 2, currentStep: 1 }),
  );
  return events;
}

function setup(events: AppliedEvent[]) {
  const view = signal<WorkflowDetail | null>(null);
  const applied$ = new Subject<AppliedEvent>();
  const requests: { after: number; limit: number }[] = [];
  let failures = 0;
  /** How many events the store holds: the test stores them before the stream sends them. */
  let storedCount = 0;
  const fetchEvents = jest.fn(async (after: number, limit: number): Promise<WorkflowEventsResponse> => {
    requests.push({ after, limit });
    if (failures > 0) {
      failures--;
      throw new Error('down');
    }
    return { items: events.slice(after, storedCount).slice(0, limit) as StoredEvent[] };
  });
  const loader = new RunHistoryLoader({
    source: { view, applied$ },
    fetchEvents,
    injector: TestBed.inject(Injector),
  });
  /** The snapshot (or a poll) of the first `count` events. */
  const snapshot = (count: number) => {
    storedCount = Math.max(storedCount, count);
    view.set(foldWorkflow(SEED, events.slice(0, count)));
    TestBed.tick();
  };
  /** Stores (unless told not to) and sends live events (ids from … to). */
  const send = (from: number, to: number, store = true) => {
    if (store) storedCount = Math.max(storedCount, to);
    for (const event of events.slice(from - 1, to)) applied$.next(event);
  };
  return {
    loader,
    view,
    applied$,
    requests,
    fetchEvents,
    snapshot,
    send,
    fail: (n: number) => (failures = n),
  };
}

/** Lets pending fetches settle. */
const settle = () => jest.advanceTimersByTimeAsync(0);

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('RunHistoryLoader', () => {
  it('asks for nothing before the workflow has events', async () => {
    const { loader, fetchEvents, snapshot } = setup(run());
    snapshot(0);
    await settle();
    expect(fetchEvents).not.toHaveBeenCalled();
    expect(loader.history().bars).toEqual([]);
  });

  it('pages the stored events up to the snapshot’s lastEventId, 1000 at a time', async () => {
    const events = run(2_500);
    const { loader, requests, snapshot } = setup(events);
    snapshot(events.length);
    await settle();
    expect(requests).toEqual([
      { after: 0, limit: 1_000 },
      { after: 1_000, limit: 1_000 },
      { after: 2_000, limit: 1_000 },
    ]);
    expect(loader.history()).toEqual(runHistory(events));
    expect(loader.history().bars.map((bar) => [bar.iteration, bar.status])).toEqual([
      [1, 'failed'],
      [2, 'completed'],
    ]);
  });

  it('folds live events after the loaded ones; those that arrive while it loads wait, repeats are dropped', async () => {
    const events = run();
    const { loader, requests, snapshot, send } = setup(events);
    snapshot(4);
    send(5, 7);
    expect(loader.history().lastEventId).toBe(0);
    await settle();
    expect(requests).toEqual([{ after: 0, limit: 1_000 }]);
    expect(loader.history()).toEqual(runHistory(events.slice(0, 7)));

    send(6, events.length);
    expect(loader.history()).toEqual(runHistory(events));
    expect(requests).toHaveLength(1);
  });

  it('loads what a gap in the live events left out (a resume after stream:reset)', async () => {
    const events = run();
    const { loader, requests, snapshot, send } = setup(events);
    snapshot(3);
    await settle();
    send(7, events.length);
    await settle();
    expect(requests).toEqual([
      { after: 0, limit: 1_000 },
      { after: 3, limit: 1_000 },
    ]);
    expect(loader.history()).toEqual(runHistory(events));
  });

  it('catches up with a polled state while the stream is down', async () => {
    const events = run();
    const { loader, snapshot } = setup(events);
    snapshot(3);
    await settle();
    snapshot(events.length);
    await settle();
    expect(loader.history()).toEqual(runHistory(events));
  });

  it('asks again after a failed page', async () => {
    const events = run();
    const { loader, requests, snapshot, fail } = setup(events);
    fail(1);
    snapshot(events.length);
    await settle();
    expect(requests).toHaveLength(1);
    expect(loader.history().lastEventId).toBe(0);
    await jest.advanceTimersByTimeAsync(2_000);
    expect(requests).toHaveLength(2);
    expect(loader.history()).toEqual(runHistory(events));
  });

  it('folds what waits past a gap the store cannot fill, asking only once', async () => {
    const events = run();
    const { loader, requests, snapshot, send } = setup(events);
    snapshot(3);
    await settle();
    // Sent but (say the store was reset meanwhile) not stored: the page after 3 comes back empty.
    send(7, events.length, false);
    await settle();
    expect(requests).toHaveLength(2);
    expect(loader.history().lastEventId).toBe(events.length);
    expect(loader.history().bars).toHaveLength(2);
  });

  it('stops for good on close()', async () => {
    const events = run();
    const { loader, fetchEvents, snapshot, send } = setup(events);
    snapshot(3);
    loader.close();
    await settle();
    send(4, 6);
    snapshot(events.length);
    await settle();
    expect(fetchEvents).toHaveBeenCalledTimes(1);
    expect(loader.history().lastEventId).toBe(0);
  });
});
