import { Logger } from '@nestjs/common';
import { sql } from 'kysely';
import { Client } from 'pg';
import { StoreFaults, type StoreConnection } from '@flowcast/api-core';
import type { NewEvent, StoredEvent } from '@flowcast/shared-contract';
import { EventLog } from './event-log';
import { type AppendRequest, EventsRepository } from './events.repository';
import {
  insertWorkflow,
  openTestStore,
  POSTGRES_TEST_URL,
  STORE_KINDS,
  type StoreKind,
  type TestStore,
} from './testing/test-stores';
import { WorkflowHub } from './workflow-hub';
import { WorkflowsRepository } from './workflows.repository';

jest.setTimeout(60_000);

/**
 * The real repository, whose answer to the next `lose` commits is lost after they were made: what a
 * PostgreSQL connection dropped at COMMIT looks like to its client (the rows are stored, the client hears
 * "Connection terminated").
 */
class LostAnswers extends EventsRepository {
  lose = 0;

  override async appendAll(requests: AppendRequest[]): Promise<unknown[]> {
    const outcomes = await super.appendAll(requests);
    if (this.lose > 0) {
      this.lose--;
      throw new Error('Connection terminated unexpectedly');
    }
    return outcomes;
  }
}

function wire(store: StoreConnection) {
  const workflows = new WorkflowsRepository(store);
  const events = new LostAnswers(store);
  const hub = new WorkflowHub();
  const faults = new StoreFaults();
  const log = new EventLog(events, workflows, hub, undefined, null, faults);
  return { workflows, events, hub, log, faults };
}

const line = (message: string): NewEvent => ({
  type: 'log:created',
  payload: { level: 'info', message, timestamp: '2026-12-04T12:00:00.000Z' },
});

async function messages(events: EventsRepository, workflowId: string): Promise<[number, string][]> {
  const rows = await events.readAfter(workflowId, 0, 100_000);
  return rows.map((row) => [row.seq, (JSON.parse(row.data) as { message: string }).message]);
}

/** Resolves once the store has refused a write for being unavailable (StoreFaults reports the outage). */
function outage(faults: StoreFaults): Promise<void> {
  return new Promise((resolve) => {
    if (faults.fault) return resolve();
    const stop = faults.onChange((fault) => {
      if (!fault) return;
      stop();
      resolve();
    });
  });
}

/**
 * A real store of `kind` and an event log on it for the enclosing describe block, with the logger quiet
 * (every fault is logged); `ctx.t` and `ctx.w` are set once its beforeAll has run.
 */
function eventLogOn(kind: StoreKind): { t: TestStore; w: ReturnType<typeof wire> } {
  const ctx = {} as { t: TestStore; w: ReturnType<typeof wire> };
  let quiet: jest.SpyInstance[] = [];
  beforeAll(async () => {
    ctx.t = await openTestStore(kind);
    ctx.w = wire(ctx.t.store);
  });
  beforeEach(() => {
    quiet = [
      jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined),
      jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined),
    ];
  });
  afterEach(() => quiet.forEach((spy) => spy.mockRestore()));
  afterAll(async () => {
    await ctx.w?.log.drain();
    await ctx.t?.close();
  });
  return ctx;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe.each(STORE_KINDS)('EventLog when the %s store loses the answer to a commit', (kind) => {
  const ctx = eventLogOn(kind);

  it('stores the committed events once, publishes them once, and resolves every append with its ids', async () => {
    const seed = await insertWorkflow(ctx.w.workflows);
    await ctx.w.log.append(seed.id, [line('one')]);
    const published: number[] = [];
    const subscription = ctx.w.hub
      .watch(seed.id)
      .subscribe((batch) => published.push(...batch.events.map((event) => event.id)));
    ctx.w.events.lose = 1;
    const [two, three] = await Promise.all([
      ctx.w.log.append(seed.id, [line('two')]),
      ctx.w.log.append(seed.id, [line('three')]),
    ]);
    const [four] = await ctx.w.log.append(seed.id, [line('four')]);
    subscription.unsubscribe();
    expect([two[0].id, three[0].id, four.id]).toEqual([2, 3, 4]);
    expect(await messages(ctx.w.events, seed.id)).toEqual([
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
      [4, 'four'],
    ]);
    expect(published).toEqual([2, 3, 4]);
    expect(ctx.w.faults.fault).toBeNull();
    expect(ctx.w.faults.failures).toBe(1);
  });

  it('settles each workflow of a lost commit on its own: all stored once, the later appends after them', async () => {
    const [a, b] = await Promise.all([insertWorkflow(ctx.w.workflows), insertWorkflow(ctx.w.workflows)]);
    ctx.w.events.lose = 1;
    const first = await Promise.all([
      ctx.w.log.append(a.id, [line('a1'), line('a2')]),
      ctx.w.log.append(b.id, [line('b1')]),
    ]);
    const later = await Promise.all([
      ctx.w.log.append(a.id, [line('a3')]),
      ctx.w.log.append(b.id, [line('b2')]),
    ]);
    expect([...first, ...later].map((events) => events.map((event) => event.id))).toEqual([
      [1, 2],
      [1],
      [3],
      [2],
    ]);
    expect(await messages(ctx.w.events, a.id)).toEqual([
      [1, 'a1'],
      [2, 'a2'],
      [3, 'a3'],
    ]);
    expect(await messages(ctx.w.events, b.id)).toEqual([
      [1, 'b1'],
      [2, 'b2'],
    ]);
  });

  it('ends a workflow once when the answer to its terminal event was lost', async () => {
    const seed = await insertWorkflow(ctx.w.workflows);
    await ctx.w.log.append(seed.id, [
      {
        type: 'workflow:started',
        payload: { name: 'Fix login bug', totalSteps: 2, maxIterations: 1, budgetLimit: 5 },
      },
    ]);
    ctx.w.events.lose = 1;
    const [ended] = await ctx.w.log.append(seed.id, [
      { type: 'workflow:cancelled', payload: { duration: 1, totalCost: 0, iterations: 1 } },
    ]);
    expect(ended.id).toBe(2);
    expect((await ctx.w.workflows.findView(seed.id))?.status).toBe('cancelled');
    expect(await ctx.t.storedIds(seed.id)).toEqual([1, 2]);
  });
});

describe('EventLog while the SQLite store refuses writes', () => {
  const ctx = eventLogOn('sqlite');

  const sqlite = () => ctx.t.store.sqlite as NonNullable<StoreConnection['sqlite']>;

  it.each([
    [
      'full (SQLITE_FULL)',
      'database or disk is full',
      () => sqlite().pragma(`max_page_count = ${sqlite().pragma('page_count', { simple: true })}`),
      () => sqlite().pragma('max_page_count = 1073741823'),
    ],
    [
      'read-only (SQLITE_READONLY)',
      'readonly database',
      () => sqlite().pragma('query_only = ON'),
      () => sqlite().pragma('query_only = OFF'),
    ],
  ])(
    'holds the appends while the file is %s, then stores them all, in order, once',
    async (_name, reason, refuse, accept) => {
      const seed = await insertWorkflow(ctx.w.workflows);
      await ctx.w.log.append(seed.id, [line('before')]);
      refuse();
      const big = 'x'.repeat(8_192);
      const appends = range(1, 40).map((n) => ctx.w.log.append(seed.id, [line(`${n} ${big}`)]));
      const all = Promise.all(appends);
      let settled = false;
      all.then(
        () => (settled = true),
        () => (settled = true),
      );
      try {
        await outage(ctx.w.faults);
        expect(settled).toBe(false);
        expect(ctx.w.faults.fault?.reason).toContain(reason);
        expect(ctx.w.log.pendingEvents()).toBe(40);
        // Appends made during the outage queue behind the held ones.
        appends.push(ctx.w.log.append(seed.id, [line('during')]));
      } finally {
        accept();
      }
      const stored = await Promise.all(appends);
      expect(stored.map(([event]) => event.id)).toEqual(range(2, 42));
      const rows = await messages(ctx.w.events, seed.id);
      expect(rows.map(([seq]) => seq)).toEqual(range(1, 42));
      expect(rows.map(([, message]) => message.split(' ')[0])).toEqual([
        'before',
        ...range(1, 40).map(String),
        'during',
      ]);
      expect(ctx.w.faults.fault).toBeNull();
      expect(ctx.w.log.pendingEvents()).toBe(0);
    },
  );

  it('still rejects what the store refuses for its content, without holding the rest', async () => {
    const seed = await insertWorkflow(ctx.w.workflows);
    const stopFailing = await ctx.t.failEventsContaining('REFUSE-ME');
    try {
      await expect(ctx.w.log.append(seed.id, [line('REFUSE-ME')])).rejects.toMatchObject({
        // By message: the error may be another VM context's (see storeRefusal in event-log.spec.ts).
        message: expect.stringContaining('disk I/O error'),
      });
      const [next] = await ctx.w.log.append(seed.id, [line('fine')]);
      expect(next.id).toBe(1);
    } finally {
      await stopFailing();
    }
    expect(ctx.w.faults.fault).toBeNull();
  });
});

describe('EventLog when PostgreSQL drops its connections', () => {
  const ctx = eventLogOn('postgres');

  it('holds what a killed connection could not store and stores it on a new one, each event once', async () => {
    const seed = await insertWorkflow(ctx.w.workflows);
    await ctx.w.log.append(seed.id, [line('0')]);
    const { rows } = await sql<{ database: string }>`select current_database() as database`.execute(
      ctx.t.store.db,
    );
    const killer = new Client({ connectionString: POSTGRES_TEST_URL });
    await killer.connect();
    const appends: Promise<StoredEvent[]>[] = [];
    try {
      for (let round = 1; round <= 5; round++) {
        for (let n = 1; n <= 20; n++) appends.push(ctx.w.log.append(seed.id, [line(`${round}.${n}`)]));
        // Every connection of the store's pool is ended by the server (57P01), mid-traffic.
        await killer.query(
          'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [rows[0].database],
        );
      }
    } finally {
      await killer.end();
    }
    const stored = await Promise.all(appends);
    expect(stored.map(([event]) => event.id)).toEqual(range(2, 101));
    const messagesStored = await messages(ctx.w.events, seed.id);
    expect(messagesStored.map(([seq]) => seq)).toEqual(range(1, 101));
    expect(new Set(messagesStored.map(([, message]) => message)).size).toBe(101);
    expect(ctx.w.faults.fault).toBeNull();
  });
});
