import { randomBytes } from 'node:crypto';
import { firstValueFrom, filter as rxFilter, take, toArray } from 'rxjs';
import { RedisClients, type StoreConnection } from '@flowcast/api-core';
import type { NewEvent } from '@flowcast/shared-contract';
import { EventLog } from '../event-log';
import { EventsRepository } from '../events.repository';
import { insertWorkflow, openTestStore, type TestStore } from '../testing/test-stores';
import { type PublishedBatch, WorkflowHub } from '../workflow-hub';
import { WorkflowsRepository } from '../workflows.repository';
import { ClusterFeed } from './cluster-feed';

jest.setTimeout(60_000);

/**
 * Two instances in one test process: each its own store connection (to one fresh PostgreSQL database),
 * Redis clients, hub, cluster feed and event log, wired as Nest wires them. Redis is the machine's (these
 * tests only publish and subscribe on channels named for fresh workflow ids; nothing is stopped).
 */
const REDIS_URL = process.env['FLOWCAST_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

interface Instance {
  redis: RedisClients;
  hub: WorkflowHub;
  feed: ClusterFeed;
  log: EventLog;
  workflows: WorkflowsRepository;
  close(): Promise<void>;
}

async function instance(store: StoreConnection): Promise<Instance> {
  const redis = await RedisClients.open({
    redisUrl: REDIS_URL,
    instanceId: `test-${randomBytes(4).toString('hex')}`,
  });
  const workflows = new WorkflowsRepository(store);
  const events = new EventsRepository(store);
  const hub = new WorkflowHub();
  const feed = new ClusterFeed(redis, hub, events, workflows);
  const log = new EventLog(events, workflows, hub, { commitWindowMs: 0 }, feed);
  return {
    redis,
    hub,
    feed,
    log,
    workflows,
    close: async () => {
      feed.onModuleDestroy();
      await redis.close();
    },
  };
}

const line = (message: string): NewEvent => ({
  type: 'log:created',
  payload: { level: 'info', message, timestamp: '2026-12-04T12:00:00.000Z' },
});

const ids = (batches: PublishedBatch[]) => batches.flatMap((batch) => batch.events.map((event) => event.id));

describe('ClusterFeed (real Redis, real PostgreSQL)', () => {
  let testStore: TestStore;
  let other: StoreConnection;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    testStore = await openTestStore('postgres');
    other = await testStore.openAnother();
    a = await instance(testStore.store);
    b = await instance(other);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await other?.close();
    await testStore?.close();
  });

  it('delivers what one instance stores to a watcher on another, every id once, in order', async () => {
    const view = await insertWorkflow(a.workflows);
    const received = firstValueFrom(
      b.hub.watch(view.id).pipe(
        rxFilter((batch) => batch.lastId >= 30),
        take(1),
      ),
    );
    const all: PublishedBatch[] = [];
    const subscription = b.hub.watch(view.id).subscribe((batch) => all.push(batch));
    await b.hub.whenLive(view.id);
    for (let index = 1; index <= 30; index++) await a.log.append(view.id, [line(`line ${index}`)]);
    await received;
    subscription.unsubscribe();
    expect(ids(all)).toEqual(Array.from({ length: 30 }, (_, index) => index + 1));
    // Frames are rebuilt on the receiving side exactly as the store holds them.
    expect(all[0].frames).toContain('id: 1\nevent: log:created\ndata: {"level":"info","message":"line 1"');
    expect(b.feed.counters.received).toBeGreaterThanOrEqual(30);
    expect(a.feed.counters.published).toBeGreaterThanOrEqual(30);
  });

  it('fills a gap from the store, and drops a batch it already delivered', async () => {
    const view = await insertWorkflow(a.workflows);
    // A writer that does not publish (as if its messages were lost on the way): events 1..4 only in the store.
    const silent = new EventLog(new EventsRepository(testStore.store), a.workflows, new WorkflowHub());
    const batches: PublishedBatch[] = [];
    const subscription = b.hub.watch(view.id).subscribe((batch) => batches.push(batch));
    await b.hub.whenLive(view.id);
    await silent.append(view.id, [line('one'), line('two')]);
    await silent.append(view.id, [line('three'), line('four')]);
    const gapFillsBefore = b.feed.counters.gapFills;
    const duplicatesBefore = b.feed.counters.duplicatesDropped;
    // Event 5 arrives through Redis: 1..4 must come first, from the store.
    await a.log.append(view.id, [line('five')]);
    await waitFor(() => ids(batches).includes(5));
    expect(ids(batches)).toEqual([1, 2, 3, 4, 5]);
    expect(b.feed.counters.gapFills).toBe(gapFillsBefore + 1);

    // The same message again (a Redis redelivery, or a fill that raced it): nothing is delivered twice.
    const stored = await new EventsRepository(testStore.store).readAfter(view.id, 4, 10);
    await a.redis.command.publish(
      `flowcast:wf:${view.id}`,
      `someone-else\n${stored.map((row) => `${row.seq} ${row.type} ${row.data}`).join('\n')}`,
    );
    await a.log.append(view.id, [line('six')]);
    await waitFor(() => ids(batches).includes(6));
    expect(ids(batches)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(b.feed.counters.duplicatesDropped).toBeGreaterThan(duplicatesBefore);
    subscription.unsubscribe();
  });

  it('subscribes while the hub has listeners, and completes the channel after the terminal batch', async () => {
    const view = await insertWorkflow(a.workflows);
    const before = b.feed.watchedCount;
    const done = firstValueFrom(b.hub.watch(view.id).pipe(toArray()));
    await b.hub.whenLive(view.id);
    expect(b.feed.watchedCount).toBe(before + 1);
    await a.log.append(view.id, [
      {
        type: 'workflow:started',
        payload: { name: 'x', totalSteps: 1, maxIterations: 1 },
      },
    ]);
    await a.log.append(view.id, [
      { type: 'workflow:cancelled', payload: { duration: 1, totalCost: 0, iterations: 0 } },
    ]);
    expect(ids(await done)).toEqual([1, 2]);
    expect(b.feed.watchedCount).toBe(before);
  });

  it('refuses events after the end, whichever instance appends them', async () => {
    const view = await insertWorkflow(a.workflows);
    await a.log.append(view.id, [
      { type: 'workflow:cancelled', payload: { duration: 0, totalCost: 0, iterations: 0 } },
    ]);
    await expect(b.log.append(view.id, [line('late')])).rejects.toThrow(/has ended \(cancelled\)/);
    await expect(a.log.append(view.id, [line('late')])).rejects.toThrow(/has ended/);
    expect(await testStore.storedIds(view.id)).toEqual([1]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
