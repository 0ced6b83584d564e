import { Logger } from '@nestjs/common';
import type { StoreConnection } from '@flowcast/api-core';
import {
  foldWorkflow,
  type NewEvent,
  type StoredEvent,
  type WorkflowDetail,
} from '@flowcast/shared-contract';
import { EventLog } from './event-log';
import { EventsRepository } from './events.repository';
import {
  insertWorkflow,
  newWorkflowId,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from './testing/test-stores';
import { ConcurrentAppendError, WorkflowNotFoundError } from './workflow-errors';
import { type PublishedBatch, WorkflowHub } from './workflow-hub';
import { WorkflowsRepository } from './workflows.repository';

jest.setTimeout(60_000);

/** One process's view of the store: its own repositories, hub and event log, wired as Nest would. */
function wire(store: StoreConnection) {
  const workflows = new WorkflowsRepository(store);
  const events = new EventsRepository(store);
  const hub = new WorkflowHub();
  const log = new EventLog(events, workflows, hub);
  return { workflows, events, hub, log };
}

const line = (message: string): NewEvent => ({
  type: 'log:created',
  payload: { level: 'info', message, timestamp: '2026-11-28T12:00:00.000Z' },
});

/** What a two-agent run appends, in order, one append per event as the engine does. */
function engineRun(): NewEvent[] {
  const events: NewEvent[] = [
    {
      type: 'workflow:started',
      payload: { name: 'Fix login bug', totalSteps: 2, maxIterations: 1, budgetLimit: 5 },
    },
  ];
  let totalCost = 0;
  for (const [index, role] of ['developer', 'reviewer'].entries()) {
    const agentName = `agent-${index + 1}`;
    const stepNumber = index + 1;
    events.push(
      {
        type: 'workflow:running',
        payload: { currentAgent: agentName, currentStep: stepNumber, iterations: 1 },
      },
      { type: 'agent:started', payload: { agentName, agentRole: role, stepNumber, prompt: 'p' } },
      line(`${agentName} started`),
      { type: 'agent:progress', payload: { agentName, message: 'half way', level: 'info' } },
      {
        type: 'log:batch',
        payload: {
          agentName,
          lines: [1, 2, 3].map((n) => ({ level: 'debug', message: `${n}`, timestamp: 'x' })),
        },
      },
    );
    totalCost += 1.5;
    events.push(
      { type: 'workflow:running', payload: { totalCost } },
      { type: 'budget:warning', payload: { currentCost: totalCost, budgetLimit: 5, percentageUsed: 60 } },
      { type: 'agent:completed', payload: { agentName, stepNumber, duration: 10, cost: 1.5, output: 'ok' } },
    );
  }
  events.push({
    type: 'workflow:completed',
    payload: { duration: 20, totalCost, iterations: 1, currentStep: 2 },
  });
  return events;
}

async function readAll(events: EventsRepository, workflowId: string): Promise<StoredEvent[]> {
  const rows = await events.readAfter(workflowId, 0, 1_000_000);
  return rows.map((row) => ({ id: row.seq, type: row.type, data: JSON.parse(row.data) }) as StoredEvent);
}

/**
 * The error a failEventsContaining trigger raises. Matched by message, not with toThrow: better-sqlite3's
 * native addon is loaded once per Jest worker, so in the second spec file a worker runs, SQLite's errors are
 * instances of the first file's SqliteError (another VM context's Error), which toThrow does not take for an
 * error at all ("did not throw").
 */
const storeRefusal = { message: expect.stringContaining('disk I/O error') };

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Collects every batch the hub publishes for a workflow until the returned stop() is called. */
function collect(hub: WorkflowHub, workflowId: string, onBatch?: (batch: PublishedBatch) => void) {
  const batches: PublishedBatch[] = [];
  const subscription = hub.watch(workflowId).subscribe((batch) => {
    batches.push(batch);
    onBatch?.(batch);
  });
  return { batches, stop: () => subscription.unsubscribe() };
}

describe.each(STORE_KINDS)('EventLog on a real %s store', (kind) => {
  let t: TestStore;
  let w: ReturnType<typeof wire>;

  beforeAll(async () => {
    t = await openTestStore(kind);
    w = wire(t.store);
  });

  afterAll(async () => {
    await w?.log.drain();
    await t?.close();
  });

  it('numbers each workflow 1..n without gaps when many appends to several workflows arrive in one tick', async () => {
    const views = await Promise.all([1, 2, 3, 4].map(() => insertWorkflow(w.workflows)));
    const calls: { workflowId: string; size: number; messages: string[]; result: Promise<StoredEvent[]> }[] =
      [];
    for (let round = 0; round < 60; round++) {
      for (const [index, view] of views.entries()) {
        const size = 1 + ((round + index) % 3);
        const messages = range(1, size).map((n) => `r${round} n${n}`);
        calls.push({
          workflowId: view.id,
          size,
          messages,
          result: w.log.append(view.id, messages.map(line)),
        });
      }
    }
    const results = await Promise.all(calls.map((call) => call.result));

    for (const view of views) {
      const mine = calls
        .map((call, i) => ({ ...call, stored: results[i] }))
        .filter((c) => c.workflowId === view.id);
      const total = mine.reduce((sum, call) => sum + call.size, 0);
      // Each append gets a contiguous run of ids, in the order the appends were made.
      expect(mine.flatMap((call) => call.stored.map((event) => event.id))).toEqual(range(1, total));
      expect(mine.every((call) => call.stored.length === call.size)).toBe(true);
      expect(await t.storedIds(view.id)).toEqual(range(1, total));
      expect((await w.workflows.findView(view.id))?.lastEventId).toBe(total);
      // And the lines are stored in the order they were appended.
      const stored = await readAll(w.events, view.id);
      expect(stored.map((event) => (event.data as { message: string }).message)).toEqual(
        mine.flatMap((call) => call.messages),
      );
    }
  });

  it('stores with the events the state that folding them from the seed gives, at every step of a run', async () => {
    const seed = await insertWorkflow(w.workflows);
    for (const [index, event] of engineRun().entries()) {
      await w.log.append(seed.id, [event]);
      const record = await w.workflows.findById(seed.id);
      const folded = foldWorkflow(seed, await readAll(w.events, seed.id));
      expect(record?.view).toStrictEqual(folded);
      expect(record?.view.lastEventId).toBe(index + 1);
    }
    const final = await w.workflows.findById(seed.id);
    expect(final?.view).toMatchObject({ status: 'completed', totalCost: 3, currentStep: 2, lastEventId: 18 });
    expect(final?.view.agents.map((agent) => agent.status)).toEqual(['completed', 'completed']);
  });

  it('keeps the state it wrote in memory while a workflow runs and forgets it once the workflow has ended', async () => {
    const seed = await insertWorkflow(w.workflows);
    const [started] = await w.log.append(seed.id, engineRun().slice(0, 1));
    expect(w.log.cachedView(seed.id)).toStrictEqual(await w.workflows.findView(seed.id));
    expect(w.log.cachedView(seed.id)?.lastEventId).toBe(started.id);
    await w.log.append(seed.id, [
      { type: 'workflow:cancelled', payload: { duration: 1, totalCost: 0, iterations: 0 } },
    ]);
    expect(w.log.cachedView(seed.id)).toBeUndefined();
    expect((await w.workflows.findView(seed.id))?.status).toBe('cancelled');
  });

  it('resolves each append with its events exactly as they were stored', async () => {
    const seed = await insertWorkflow(w.workflows);
    const before = Date.now();
    const stored = await w.log.append(seed.id, engineRun().slice(0, 3));
    expect(stored).toStrictEqual(await readAll(w.events, seed.id));
    for (const event of stored) {
      expect(event.data.workflowId).toBe(seed.id);
      expect(Date.parse(event.data.ts)).toBeGreaterThanOrEqual(before - 1);
      expect(event.data.ts).toBe(new Date(event.data.ts).toISOString());
    }
  });

  it('publishes a batch to the hub only once its events are readable from the store', async () => {
    const seed = await insertWorkflow(w.workflows);
    const checks: Promise<{ batch: PublishedBatch; visible: number[] }>[] = [];
    // Inside the subscriber, read the store on an independent connection at once, before yielding.
    const listener = collect(w.hub, seed.id, (batch) =>
      checks.push(t.storedIds(seed.id).then((visible) => ({ batch, visible }))),
    );
    const events = engineRun();
    for (let i = 0; i < events.length; i += 4) {
      await Promise.all([
        w.log.append(seed.id, events.slice(i, i + 2)),
        w.log.append(seed.id, events.slice(i + 2, i + 4)),
      ]);
    }
    listener.stop();
    expect(checks.length).toBeGreaterThan(0);
    for (const { batch, visible } of await Promise.all(checks)) {
      expect(visible).toEqual(expect.arrayContaining(range(batch.firstId, batch.lastId)));
    }
    expect(listener.batches.flatMap((batch) => batch.events.map((event) => event.id))).toEqual(
      range(1, events.length),
    );
  });

  it('hands the hub batches whose frames are exactly its events’ SSE frames, joined', async () => {
    const seed = await insertWorkflow(w.workflows);
    const listener = collect(w.hub, seed.id);
    const events = engineRun();
    await Promise.all(events.map((event) => w.log.append(seed.id, [event])));
    listener.stop();
    const rows = await w.events.readAfter(seed.id, 0, 1_000);

    let next = 1;
    for (const batch of listener.batches) {
      expect(batch.workflowId).toBe(seed.id);
      expect(batch.firstId).toBe(next);
      expect(batch.events.map((event) => event.id)).toEqual(range(batch.firstId, batch.lastId));
      expect(batch.frames).toBe(batch.events.map((event) => event.frame).join(''));
      expect(batch.bytes).toBe(Buffer.byteLength(batch.frames));
      for (const event of batch.events) {
        const row = rows.find((r) => r.seq === event.id);
        expect(row).toBeDefined();
        expect(event.type).toBe(row?.type);
        expect(event.frame).toBe(`id: ${event.id}\nevent: ${row?.type}\ndata: ${row?.data}\n\n`);
        const match = /^id: (\d+)\nevent: ([a-z]+:[a-z]+)\ndata: ([^\n]*)\n\n$/.exec(event.frame);
        expect(match).not.toBeNull();
        expect(JSON.parse(match?.[3] ?? '')).toMatchObject({ workflowId: seed.id });
      }
      expect(batch.terminal).toBe(batch.events.some((event) => event.type === 'workflow:completed'));
      next = batch.lastId + 1;
    }
    expect(next - 1).toBe(events.length);
    expect(listener.batches.at(-1)?.terminal).toBe(true);
  });

  it('drops the hub channel of a workflow when its last listener leaves, and keeps storing', async () => {
    const seed = await insertWorkflow(w.workflows);
    const before = w.hub.channelCount;
    const first = collect(w.hub, seed.id);
    const second = collect(w.hub, seed.id);
    expect(w.hub.channelCount).toBe(before + 1);
    await w.log.append(seed.id, [line('a')]);
    first.stop();
    expect(w.hub.channelCount).toBe(before + 1);
    await w.log.append(seed.id, [line('b')]);
    second.stop();
    expect(w.hub.channelCount).toBe(before);
    expect(w.hub.hasListeners(seed.id)).toBe(false);
    await w.log.append(seed.id, [line('c')]);
    expect(w.hub.channelCount).toBe(before);
    expect(first.batches.map((batch) => batch.firstId)).toEqual([1]);
    expect(second.batches.map((batch) => batch.firstId)).toEqual([1, 2]);
    expect(await t.storedIds(seed.id)).toEqual([1, 2, 3]);
  });

  it('rejects an append to a missing workflow with WorkflowNotFoundError and writes nothing', async () => {
    const seed = await insertWorkflow(w.workflows);
    const missing = newWorkflowId();
    const listener = collect(w.hub, missing);
    const workflowsBefore = await w.workflows.count();
    const good = w.log.append(seed.id, [line('kept')]);
    const bad = w.log.append(missing, [line('lost'), line('lost too')]);
    await expect(bad).rejects.toBeInstanceOf(WorkflowNotFoundError);
    await expect(bad).rejects.toMatchObject({ workflowId: missing });
    await expect(good).resolves.toHaveLength(1);
    listener.stop();
    expect(listener.batches).toEqual([]);
    expect(await w.events.countAll(missing)).toBe(0);
    expect(await w.workflows.findView(missing)).toBeUndefined();
    expect(await w.workflows.count()).toBe(workflowsBefore);
    expect(await t.storedIds(seed.id)).toEqual([1]);
  });

  it('stores a large append whole and splits a flood into transactions only between appends', async () => {
    const seed = await insertWorkflow(w.workflows);
    const listener = collect(w.hub, seed.id);
    const big = range(1, 2_500).map((n) => line(`big ${n}`));
    await w.log.append(seed.id, big);
    const floods = [1, 2, 3].map((k) =>
      w.log.append(
        seed.id,
        range(1, 1_500).map((n) => line(`flood ${k}.${n}`)),
      ),
    );
    await Promise.all(floods);
    listener.stop();
    expect(listener.batches.map((batch) => [batch.firstId, batch.lastId])).toEqual([
      [1, 2_500],
      [2_501, 4_000],
      [4_001, 5_500],
      [5_501, 7_000],
    ]);
    expect(await w.events.countAll(seed.id)).toBe(7_000);
    expect(await t.storedIds(seed.id)).toEqual(range(1, 7_000));
  });

  it('rejects the appends of a transaction that failed and numbers the next ones right after the stored ones', async () => {
    const seed = await insertWorkflow(w.workflows);
    await w.log.append(seed.id, [line('one')]);
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const stopFailing = await t.failEventsContaining('FAIL-ME');
    try {
      await expect(w.log.append(seed.id, [line('two'), line('three FAIL-ME')])).rejects.toMatchObject(
        storeRefusal,
      );
      expect(logged).toHaveBeenCalledWith(expect.stringContaining('disk I/O error'));
      const [four] = await w.log.append(seed.id, [line('four')]);
      expect(four.id).toBe(2);
    } finally {
      await stopFailing();
      logged.mockRestore();
    }
    const stored = await readAll(w.events, seed.id);
    expect(stored.map((event) => [event.id, (event.data as { message: string }).message])).toEqual([
      [1, 'one'],
      [2, 'four'],
    ]);
  });

  it('stores the other workflows of a tick when the store refuses one of them', async () => {
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => insertWorkflow(w.workflows)));
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const stopFailing = await t.failEventsContaining('FAIL-ME');
    let outcomes: PromiseSettledResult<StoredEvent[]>[];
    try {
      outcomes = await Promise.allSettled([
        w.log.append(a.id, [line('a1')]),
        w.log.append(b.id, [line('b1 FAIL-ME')]),
        w.log.append(c.id, [line('c1'), line('c2')]),
      ]);
    } finally {
      await stopFailing();
      logged.mockRestore();
    }
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await t.storedIds(a.id)).toEqual([1]);
    expect(await t.storedIds(b.id)).toEqual([]);
    expect(await t.storedIds(c.id)).toEqual([1, 2]);
    const [next] = await w.log.append(b.id, [line('b2')]);
    expect(next.id).toBe(1);
    for (const view of [a, b, c]) {
      expect(await w.workflows.findView(view.id)).toStrictEqual(
        foldWorkflow(view, await readAll(w.events, view.id)),
      );
    }
  });

  it('counts the events and transactions it committed, and not those that failed', async () => {
    const seed = await insertWorkflow(w.workflows);
    await w.log.drain();
    const before = { ...w.log.counters };
    await Promise.all([
      w.log.append(seed.id, [line('a'), line('b')]),
      w.log.append(seed.id, [line('c — ünïcode')]),
    ]);
    await w.log.append(seed.id, [line('d')]);
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const stopFailing = await t.failEventsContaining('FAIL-ME');
    try {
      await expect(w.log.append(seed.id, [line('lost FAIL-ME')])).rejects.toMatchObject(storeRefusal);
    } finally {
      await stopFailing();
      logged.mockRestore();
    }
    await expect(w.log.append(newWorkflowId(), [line('nowhere')])).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
    expect(w.log.counters).toEqual({
      eventsStored: before.eventsStored + 4,
      batchesStored: before.batchesStored + 2,
    });
  });

  it('with a commit window, stores the first append after a quiet spell at once and gathers the ones after it', async () => {
    const gathering = new EventLog(w.events, w.workflows, w.hub, { commitWindowMs: 300 });
    const [a, b] = await Promise.all([1, 2].map(() => insertWorkflow(w.workflows)));
    const commits = jest.spyOn(w.events, 'appendAll');
    try {
      const began = performance.now();
      await gathering.append(a.id, [line('first')]);
      expect(performance.now() - began).toBeLessThan(250); // not held for the window
      expect(commits).toHaveBeenCalledTimes(1);
      await gathering.drain(); // (appends made while a flush runs join it at once)
      // Appends in separate ticks right after that commit share the next one.
      const later: Promise<StoredEvent[]>[] = [];
      for (const [index, view] of [a, b, a, b].entries()) {
        later.push(gathering.append(view.id, [line(`later ${index}`)]));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const stored = await Promise.all(later);
      expect(stored.map(([event]) => event.id)).toEqual([2, 1, 3, 2]);
      expect(commits).toHaveBeenCalledTimes(2);
      expect(performance.now() - began).toBeGreaterThanOrEqual(290);
    } finally {
      commits.mockRestore();
      await gathering.drain();
    }
    expect(await t.storedIds(a.id)).toEqual([1, 2, 3]);
    expect(await t.storedIds(b.id)).toEqual([1, 2]);
  });

  it('resolves drain only once everything appended so far is stored', async () => {
    const seed = await insertWorkflow(w.workflows);
    for (let i = 0; i < 25; i++) void w.log.append(seed.id, [line(`l${i}`)]);
    await w.log.drain();
    expect(await t.storedIds(seed.id)).toEqual(range(1, 25));
    await w.log.drain();
  });

  describe('with a second EventLog on the same store (another process)', () => {
    let other: ReturnType<typeof wire>;
    let conflicts: number;

    beforeAll(async () => {
      other = wire(await t.openAnother());
    });

    beforeEach(() => {
      conflicts = 0;
      for (const events of [w.events, other.events]) {
        const original = events.append.bind(events);
        jest.spyOn(events, 'append').mockImplementation(async (...args) => {
          try {
            return await original(...args);
          } catch (error) {
            if (error instanceof ConcurrentAppendError) conflicts++;
            throw error;
          }
        });
        // Appends committed together report refusals per request instead of throwing.
        const originalAll = events.appendAll.bind(events);
        jest.spyOn(events, 'appendAll').mockImplementation(async (requests) => {
          const outcomes = await originalAll(requests);
          conflicts += outcomes.filter((outcome) => outcome instanceof ConcurrentAppendError).length;
          return outcomes;
        });
      }
    });

    afterEach(() => {
      jest.restoreAllMocks();
    });

    it('never hands out an id twice when the two take turns appending', async () => {
      const seed = await insertWorkflow(w.workflows);
      const ids: number[] = [];
      for (let i = 0; i < 15; i++) {
        ids.push(...(await w.log.append(seed.id, [line(`here ${i}`)])).map((event) => event.id));
        ids.push(...(await other.log.append(seed.id, [line(`there ${i}`)])).map((event) => event.id));
      }
      expect(ids).toEqual(range(1, 30));
      expect(conflicts).toBeGreaterThan(0); // each process's cached state went stale and was reloaded
      expect(await t.storedIds(seed.id)).toEqual(range(1, 30));
      const stored = await readAll(w.events, seed.id);
      expect(stored.map((event) => (event.data as { message: string }).message)).toEqual(
        range(0, 14).flatMap((i) => [`here ${i}`, `there ${i}`]),
      );
      expect(await w.workflows.findView(seed.id)).toStrictEqual(foldWorkflow(seed, stored));
    });

    it('never hands out an id twice when both append to the same workflows in the same tick', async () => {
      const views = await Promise.all([1, 2, 3].map(() => insertWorkflow(w.workflows)));
      // Both processes have cached state for every workflow, so each must notice the other's writes.
      for (const view of views) {
        await w.log.append(view.id, [line('warm here')]);
        await other.log.append(view.id, [line('warm there')]);
      }
      const appends: Promise<StoredEvent[]>[] = [];
      for (let i = 0; i < 20; i++) {
        for (const view of views) {
          appends.push(w.log.append(view.id, [line(`here ${i}`)]));
          appends.push(other.log.append(view.id, [line(`there ${i}`), line(`there ${i}b`)]));
        }
      }
      const results = await Promise.all(appends);
      expect(conflicts).toBeGreaterThan(0);
      for (const view of views) {
        const ids = results
          .flat()
          .filter((event) => event.data.workflowId === view.id)
          .map((event) => event.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect([...ids].sort((a, b) => a - b)).toEqual(range(3, 62));
        expect(await t.storedIds(view.id)).toEqual(range(1, 62));
        const stored = await readAll(w.events, view.id);
        const state: WorkflowDetail | undefined = await other.workflows.findView(view.id);
        expect(state).toStrictEqual(foldWorkflow(view, stored));
        // Each process kept its own appends in order.
        const messages = stored.map((event) => (event.data as { message: string }).message);
        const mine = messages.filter((m) => m.startsWith('here '));
        expect(mine).toEqual(range(0, 19).map((i) => `here ${i}`));
      }
    });
  });
});
