import type { EventsTable } from '@flowcast/api-core';
import {
  logLineCount,
  reduceWorkflow,
  type StoredEvent,
  type WorkflowDetail,
} from '@flowcast/shared-contract';
import { EventsRepository } from './events.repository';
import { eventFrame } from './sse-frame';
import {
  insertWorkflow,
  newWorkflowId,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from './testing/test-stores';
import { ConcurrentAppendError } from './workflow-errors';
import { WorkflowsRepository } from './workflows.repository';

jest.setTimeout(60_000);

const TS = '2026-11-28T12:00:00.000Z';

/** Rows numbered from `from`, alternating log:created, a 3-line log:batch and agent:progress, and the state they give. */
function rowsFrom(
  view: WorkflowDetail,
  from: number,
  count: number,
): { rows: EventsTable[]; view: WorkflowDetail } {
  const rows: EventsTable[] = [];
  let state = view;
  for (let seq = from; seq < from + count; seq++) {
    const kind = seq % 3;
    const event = (
      kind === 0
        ? { id: seq, type: 'log:created', data: { level: 'info', message: `m${seq}`, timestamp: TS } }
        : kind === 1
          ? {
              id: seq,
              type: 'log:batch',
              data: {
                lines: [1, 2, 3].map((n) => ({ level: 'info', message: `m${seq}.${n}`, timestamp: TS })),
              },
            }
          : {
              id: seq,
              type: 'agent:progress',
              data: { agentName: 'agent-1', message: `p${seq}`, level: 'info' },
            }
    ) as StoredEvent;
    const data = { ...event.data, workflowId: view.id, ts: TS };
    state = reduceWorkflow(state, { ...event, data } as StoredEvent);
    rows.push({
      workflow_id: view.id,
      seq,
      type: event.type,
      data: JSON.stringify(data),
      lines: logLineCount(event),
    });
  }
  return { rows, view: state };
}

describe.each(STORE_KINDS)('EventsRepository on a real %s store', (kind) => {
  let t: TestStore;
  let events: EventsRepository;
  let workflows: WorkflowsRepository;

  beforeAll(async () => {
    t = await openTestStore(kind);
    events = new EventsRepository(t.store);
    workflows = new WorkflowsRepository(t.store);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('stores the rows and the state they lead to, and advances last_seq, in one go', async () => {
    const seed = await insertWorkflow(workflows);
    const { rows, view } = rowsFrom(seed, 1, 4);
    await events.append(seed.id, 0, rows, view);
    expect(await events.readAfter(seed.id, 0, 100)).toEqual(
      rows.map(({ seq, type, data, lines }) => ({ seq, type, data, lines })),
    );
    expect(await workflows.findView(seed.id)).toStrictEqual(view);
    const row = await t.store.db
      .selectFrom('workflows')
      .select(['last_seq', 'status'])
      .where('id', '=', seed.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ last_seq: 4, status: 'pending' });
  });

  it('returns integer columns as numbers and keeps the data text byte for byte', async () => {
    const seed = await insertWorkflow(workflows);
    const { rows, view } = rowsFrom(seed, 1, 2);
    rows[0].data = JSON.stringify({
      message: 'ünïcödé "quoted" \\ back\u2028slash',
      workflowId: seed.id,
      ts: TS,
    });
    await events.append(seed.id, 0, rows, view);
    const [first, second] = await events.readAfter(seed.id, 0, 10);
    expect(typeof first.seq).toBe('number');
    expect(typeof first.lines).toBe('number');
    expect([first.lines, second.lines]).toEqual([3, 0]);
    expect(first.data).toBe(rows[0].data);
    const { last_seq } = await t.store.db
      .selectFrom('workflows')
      .select('last_seq')
      .where('id', '=', seed.id)
      .executeTakeFirstOrThrow();
    expect(last_seq).toBe(2);
  });

  it('refuses with ConcurrentAppendError and writes nothing when last_seq is not what the caller read', async () => {
    const seed = await insertWorkflow(workflows);
    const first = rowsFrom(seed, 1, 3);
    await events.append(seed.id, 0, first.rows, first.view);
    const stale = rowsFrom(seed, 1, 2);
    await expect(events.append(seed.id, 0, stale.rows, stale.view)).rejects.toBeInstanceOf(
      ConcurrentAppendError,
    );
    const ahead = rowsFrom(first.view, 5, 1);
    await expect(events.append(seed.id, 4, ahead.rows, ahead.view)).rejects.toThrow(ConcurrentAppendError);
    expect(await events.countAll(seed.id)).toBe(3);
    expect(await workflows.findView(seed.id)).toStrictEqual(first.view);
  });

  it('leaves the whole workflow row as it was when refusing a stale append, queue mark included', async () => {
    const seed = await insertWorkflow(workflows);
    await workflows.markQueued(seed.id, TS);
    const first = rowsFrom(seed, 1, 2);
    await events.append(seed.id, 0, first.rows, first.view);
    const readRow = () =>
      t.store.db.selectFrom('workflows').selectAll().where('id', '=', seed.id).executeTakeFirstOrThrow();
    const before = await readRow();
    const stale = rowsFrom(seed, 1, 3);
    const running = { ...stale.view, status: 'running' as const, name: 'Stale' };
    await expect(events.append(seed.id, 1, stale.rows, running)).rejects.toBeInstanceOf(
      ConcurrentAppendError,
    );
    expect(await readRow()).toStrictEqual(before);
    expect(before).toMatchObject({ last_seq: 2, status: 'pending', queued_at: TS });
    expect(await t.storedIds(seed.id)).toEqual([1, 2]);
  });

  it('stamps updated_at with the time of the append, as an ISO string', async () => {
    const seed = await insertWorkflow(workflows, { createdAt: '2020-01-01T00:00:00.000Z' });
    const before = new Date().toISOString();
    const { rows, view } = rowsFrom(seed, 1, 1);
    await events.append(seed.id, 0, rows, view);
    const { updated_at } = await t.store.db
      .selectFrom('workflows')
      .select('updated_at')
      .where('id', '=', seed.id)
      .executeTakeFirstOrThrow();
    expect(updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(updated_at >= before && updated_at <= new Date().toISOString()).toBe(true);
  });

  if (kind === 'sqlite') {
    it('exposes the raw SQLite database and stores integer columns with integer storage class', async () => {
      const sqlite = t.store.sqlite;
      if (!sqlite) throw new Error('a SQLite store exposes its database');
      const seed = await insertWorkflow(workflows);
      const { rows, view } = rowsFrom(seed, 1, 3);
      await events.append(seed.id, 0, rows, view);
      const classes = sqlite
        .prepare<[string], Record<string, string>>(
          `select typeof(e.seq) as seq, typeof(e.lines) as lines, typeof(e.data) as data,
                  typeof(w.last_seq) as last_seq, typeof(w.updated_at) as updated_at, typeof(w.state) as state
             from events e join workflows w on w.id = e.workflow_id where e.workflow_id = ?`,
        )
        .all(seed.id);
      expect(classes).toHaveLength(3);
      for (const row of classes) {
        expect(row).toEqual({
          seq: 'integer',
          lines: 'integer',
          data: 'text',
          last_seq: 'integer',
          updated_at: 'text',
          state: 'text',
        });
      }
    });

    it('waits for a Kysely transaction that holds the connection instead of nesting inside it', async () => {
      const seed = await insertWorkflow(workflows);
      const { rows, view } = rowsFrom(seed, 1, 2);
      let appended: Promise<void> | undefined;
      await expect(
        t.store.db.transaction().execute(async (trx) => {
          await trx.updateTable('workflows').set({ name: 'Doomed' }).where('id', '=', seed.id).execute();
          appended = events.append(seed.id, 0, rows, view);
          await new Promise((resolve) => setTimeout(resolve, 10));
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      await appended;
      expect(await t.storedIds(seed.id)).toEqual([1, 2]);
      expect(await workflows.findView(seed.id)).toStrictEqual(view);
    });
  } else {
    it('has no raw SQLite database on PostgreSQL', () => {
      expect(t.store.sqlite).toBeNull();
    });
  }

  it('refuses with ConcurrentAppendError for a workflow that does not exist', async () => {
    const missing = newWorkflowId();
    const { rows, view } = rowsFrom({ ...(await insertWorkflow(workflows)), id: missing }, 1, 1);
    await expect(events.append(missing, 0, rows, view)).rejects.toBeInstanceOf(ConcurrentAppendError);
    expect(await events.countAll(missing)).toBe(0);
  });

  it('rolls the whole transaction back when a row cannot be stored: no events and the old state', async () => {
    const seed = await insertWorkflow(workflows);
    const { rows, view } = rowsFrom(seed, 1, 3);
    rows[2] = { ...rows[2], seq: 1 }; // duplicate primary key
    await expect(events.append(seed.id, 0, rows, view)).rejects.toMatchObject({
      message: expect.stringMatching(/unique|duplicate key/i),
    });
    expect(await events.countAll(seed.id)).toBe(0);
    expect(await workflows.findView(seed.id)).toStrictEqual(seed);
    const good = rowsFrom(seed, 1, 3);
    await events.append(seed.id, 0, good.rows, good.view);
    expect(await events.countAll(seed.id)).toBe(3);
  });

  it('stores several workflows in one appendAll, refusing only the stale one and the one the store refuses', async () => {
    const [a, b, c, d] = await Promise.all([1, 2, 3, 4].map(() => insertWorkflow(workflows)));
    const moved = rowsFrom(b, 1, 2);
    await events.append(b.id, 0, moved.rows, moved.view); // b moved on: an append from 0 is stale
    const requests = [a, b, c].map((seed) => ({
      workflowId: seed.id,
      expectedLastSeq: 0,
      ...rowsFrom(seed, 1, 3),
    }));
    const outcomes = await events.appendAll(requests);
    expect(outcomes[0]).toBeNull();
    expect(outcomes[1]).toBeInstanceOf(ConcurrentAppendError);
    expect(outcomes[2]).toBeNull();
    expect(await Promise.all([a, b, c].map((seed) => events.countAll(seed.id)))).toEqual([3, 2, 3]);

    // A row the store refuses (a duplicate key) fails its own request only; the others are stored.
    const bad = rowsFrom(d, 1, 2);
    bad.rows[1] = { ...bad.rows[1], seq: 1 };
    const more = [a, c].map((seed) => ({
      workflowId: seed.id,
      expectedLastSeq: 3,
      ...rowsFrom(requests[seed === a ? 0 : 2].view, 4, 1),
    }));
    const mixed = await events.appendAll([
      more[0],
      { workflowId: d.id, expectedLastSeq: 0, ...bad },
      more[1],
    ]);
    expect(mixed[0]).toBeNull();
    expect(mixed[1]).toMatchObject({ message: expect.stringMatching(/unique|duplicate key/i) });
    expect(mixed[2]).toBeNull();
    expect(await Promise.all([a, c, d].map((seed) => events.countAll(seed.id)))).toEqual([4, 4, 0]);
    expect(await workflows.findView(d.id)).toStrictEqual(d);
  });

  it('stores more rows than one INSERT takes', async () => {
    const seed = await insertWorkflow(workflows);
    const { rows, view } = rowsFrom(seed, 1, 1_234);
    await events.append(seed.id, 0, rows, view);
    const read = await events.readAfter(seed.id, 0, 5_000);
    expect(read.map((row) => row.seq)).toEqual(rows.map((row) => row.seq));
    expect(await events.countAll(seed.id)).toBe(1_234);
  });

  it('clears the queue mark once a workflow is no longer pending, and keeps it while it is', async () => {
    const seed = await insertWorkflow(workflows);
    await workflows.markQueued(seed.id, TS);
    const pending = rowsFrom(seed, 1, 1);
    await events.append(seed.id, 0, pending.rows, pending.view);
    expect((await workflows.findById(seed.id))?.queuedAt).toBe(TS);
    const started = { ...pending.view, status: 'running' as const, name: 'Renamed', lastEventId: 2 };
    await events.append(seed.id, 1, rowsFrom(pending.view, 2, 1).rows, started);
    const record = await workflows.findById(seed.id);
    expect(record?.queuedAt).toBeNull();
    expect(await workflows.findIdsByStatus('running')).toContain(seed.id);
    const listed = await t.store.db
      .selectFrom('workflows')
      .select('name')
      .where('id', '=', seed.id)
      .executeTakeFirst();
    expect(listed?.name).toBe('Renamed');
  });

  describe('reading', () => {
    let seed: WorkflowDetail;

    beforeAll(async () => {
      seed = await insertWorkflow(workflows);
      const { rows, view } = rowsFrom(seed, 1, 30);
      await events.append(seed.id, 0, rows, view);
      const other = await insertWorkflow(workflows);
      const noise = rowsFrom(other, 1, 30);
      await events.append(other.id, 0, noise.rows, noise.view);
    });

    it('readAfter returns the events after an id, oldest first, up to the limit, of that workflow only', async () => {
      expect((await events.readAfter(seed.id, 10, 5)).map((row) => row.seq)).toEqual([11, 12, 13, 14, 15]);
      expect((await events.readAfter(seed.id, 28, 100)).map((row) => row.seq)).toEqual([29, 30]);
      expect(await events.readAfter(seed.id, 30, 100)).toEqual([]);
      expect(await events.readAfter(newWorkflowId(), 0, 100)).toEqual([]);
    });

    it('readFramesAfter gives a page as the exact SSE frames eventFrame builds, with its last id', async () => {
      const rows = await events.readAfter(seed.id, 10, 5);
      expect(await events.readFramesAfter(seed.id, 10, 5)).toEqual({
        frames: rows.map((row) => eventFrame(row.type, row.data, row.seq)).join(''),
        count: 5,
        lastSeq: 15,
        terminal: false,
      });
      expect(await events.readFramesAfter(seed.id, 30, 5)).toEqual({
        frames: '',
        count: 0,
        lastSeq: 30,
        terminal: false,
      });
      expect((await events.readFramesAfter(newWorkflowId(), 0, 5)).count).toBe(0);
    });

    it('readFramesAfter says whether the page holds the terminal event, and keeps text byte for byte', async () => {
      const done = await insertWorkflow(workflows);
      const data = JSON.stringify({ message: 'naïve ✓ 🚀 "quoted" \\ end', workflowId: done.id, ts: TS });
      await events.append(
        done.id,
        0,
        [
          { workflow_id: done.id, seq: 1, type: 'log:created', data, lines: 1 },
          { workflow_id: done.id, seq: 2, type: 'workflow:completed', data: '{}', lines: 0 },
        ],
        { ...done, status: 'completed', lastEventId: 2 },
      );
      const page = await events.readFramesAfter(done.id, 0, 10);
      expect(page).toEqual({
        frames: eventFrame('log:created', data, 1) + eventFrame('workflow:completed', '{}', 2),
        count: 2,
        lastSeq: 2,
        terminal: true,
      });
      expect((await events.readFramesAfter(done.id, 0, 1)).terminal).toBe(false);
    });

    it('readLogEventsAfter returns only events that hold log lines', async () => {
      const rows = await events.readLogEventsAfter(seed.id, 5, 4);
      expect(rows.map((row) => [row.seq, row.type, row.lines])).toEqual([
        [6, 'log:created', 1],
        [7, 'log:batch', 3],
        [9, 'log:created', 1],
        [10, 'log:batch', 3],
      ]);
    });

    it('readLatestLogEvents returns the newest log events up to an id, newest first', async () => {
      const rows = await events.readLatestLogEvents(seed.id, 20, 3);
      expect(rows.map((row) => row.seq)).toEqual([19, 18, 16]);
      expect(rows.every((row) => row.lines > 0)).toBe(true);
      expect(await events.readLatestLogEvents(seed.id, 0, 3)).toEqual([]);
    });

    it('countAll counts the events of one workflow, as a number', async () => {
      const count = await events.countAll(seed.id);
      expect(count).toBe(30);
      expect(typeof count).toBe('number');
      expect(await events.countAll(newWorkflowId())).toBe(0);
    });
  });
});
