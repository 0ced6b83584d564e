import type { FlowcastConfig } from '@flowcast/api-core';
import type { WorkflowStatus } from '@flowcast/shared-contract';
import { ALL_WORKFLOWS_KEY, WorkflowListFeed } from '../list/workflow-list-feed';
import { insertWorkflow, openTestStore, STORE_KINDS, type TestStore } from '../testing/test-stores';
import { WorkflowsRepository } from '../workflows.repository';
import { RETENTION_BATCH_EVENTS, RetentionService } from './retention.service';

const DAY = 86_400_000;
/** The fake clock's "now". */
const NOW = Date.parse('2026-12-04T12:00:00.000Z');
const daysAgo = (days: number) => new Date(NOW - days * DAY).toISOString();

describe.each(STORE_KINDS)('RetentionService on %s', (kind) => {
  let t: TestStore;
  let workflows: WorkflowsRepository;
  let feed: WorkflowListFeed;

  beforeAll(async () => {
    t = await openTestStore(kind);
    workflows = new WorkflowsRepository(t.store);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.store.db.deleteFrom('workflows').execute();
    feed = new WorkflowListFeed(workflows);
  });
  afterEach(() => feed.onModuleDestroy());

  const retention = (days: number | null) =>
    new RetentionService({ retentionDays: days } as FlowcastConfig, workflows, feed, () => NOW);

  /** A workflow with `events` stored events, in `status`, last changed at `updatedAt`. */
  async function workflow(status: WorkflowStatus, updatedAt: string, events = 3): Promise<string> {
    const { id } = await insertWorkflow(workflows);
    for (let start = 1; start <= events; start += 500) {
      const rows = [];
      for (let seq = start; seq < start + 500 && seq <= events; seq++)
        rows.push({ workflow_id: id, seq, type: 'log:created', data: `{"n":${seq}}`, lines: 1 });
      await t.store.db.insertInto('events').values(rows).execute();
    }
    await t.store.db
      .updateTable('workflows')
      .set({ status, updated_at: updatedAt, last_seq: events })
      .where('id', '=', id)
      .execute();
    return id;
  }

  const remaining = async () =>
    (await t.store.db.selectFrom('workflows').select('id').execute()).map((row) => row.id).sort();
  const eventsOf = async (id: string) =>
    Number(
      (
        await t.store.db
          .selectFrom('events')
          .select((eb) => eb.fn.countAll<string | number>().as('n'))
          .where('workflow_id', '=', id)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('deletes the finished workflows that ended before the retention, with their events, and nothing else', async () => {
    const expired = [
      await workflow('completed', daysAgo(31)),
      await workflow('failed', daysAgo(400)),
      await workflow('cancelled', daysAgo(30.01)),
    ];
    const kept = [
      await workflow('completed', daysAgo(29)),
      // However old, a workflow that has not finished is never touched.
      await workflow('running', daysAgo(90)),
      await workflow('pending', daysAgo(90)),
    ];
    const listed: string[] = [];
    const subscription = feed.watch(ALL_WORKFLOWS_KEY).subscribe((batch) => listed.push(batch.frames));
    const ended: string[] = [];
    feed.deleted$.subscribe((id) => ended.push(id));

    expect(await retention(30).sweep()).toBe(3);

    expect(await remaining()).toEqual([...kept].sort());
    for (const id of expired) expect(await eventsOf(id)).toBe(0);
    for (const id of kept) expect(await eventsOf(id)).toBe(3);
    // Each deletion leaves the lists and ends the workflow's streams, as a DELETE does.
    expect(ended.sort()).toEqual([...expired].sort());
    expect(listed).toHaveLength(3);
    for (const frame of listed) expect(frame).toMatch(/\nevent: workflow:deleted\n/);
    subscription.unsubscribe();

    // A second sweep finds nothing more.
    expect(await retention(30).sweep()).toBe(0);
  });

  it('keeps everything when EVENT_RETENTION_DAYS is unset', async () => {
    const id = await workflow('completed', daysAgo(10_000));
    expect(await retention(null).sweep()).toBe(0);
    expect(await remaining()).toEqual([id]);
  });

  it('deletes in small transactions, letting appends to other workflows through between them', async () => {
    const perWorkflow = Math.ceil(RETENTION_BATCH_EVENTS / 2) + 1; // two never fit in one batch
    const expired = [];
    for (let n = 0; n < 4; n++) expired.push(await workflow('completed', daysAgo(60), perWorkflow));
    const live = await workflow('running', daysAgo(0), 0);
    const deletions: number[] = [];
    const deleteFinished = workflows.deleteFinished.bind(workflows);
    jest.spyOn(workflows, 'deleteFinished').mockImplementation(async (ids) => {
      const deleted = await deleteFinished(ids);
      deletions.push(deleted.length);
      return deleted;
    });

    // Appends to a running workflow all along, each committed on its own.
    let seq = 0;
    let sweeping = true;
    const appendedDuring: number[] = [];
    const appending = (async () => {
      while (sweeping) {
        seq++;
        await t.store.db
          .insertInto('events')
          .values({ workflow_id: live, seq, type: 'log:created', data: '{}', lines: 1 })
          .execute();
        appendedDuring.push(deletions.length);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    const deleted = await retention(30).sweep();
    sweeping = false;
    await appending;

    expect(deleted).toBe(4);
    expect(deletions).toEqual([1, 1, 1, 1]);
    // Appends went on between the batches, not only before the first or after the last.
    const between = appendedDuring.filter((done) => done > 0 && done < 4);
    expect(between.length).toBeGreaterThan(0);
    expect(await eventsOf(live)).toBe(seq);
    for (const id of expired) expect(await eventsOf(id)).toBe(0);
  });
});
