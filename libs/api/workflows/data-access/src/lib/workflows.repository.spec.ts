import { randomBytes } from 'node:crypto';
import type { WorkflowState } from '@flowcast/shared-contract';
import { EventsRepository } from './events.repository';
import {
  definitionWith,
  insertWorkflow,
  newWorkflowId,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from './testing/test-stores';
import { WorkflowsRepository } from './workflows.repository';

jest.setTimeout(60_000);

const at = (second: number) => new Date(Date.UTC(2026, 10, 28, 12, 0, second)).toISOString();
const owner = () => `user-${randomBytes(4).toString('hex')}`;

describe.each(STORE_KINDS)('WorkflowsRepository on a real %s store', (kind) => {
  let t: TestStore;
  let workflows: WorkflowsRepository;

  beforeAll(async () => {
    t = await openTestStore(kind);
    workflows = new WorkflowsRepository(t.store);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('gives back what was inserted: owner, definition, state and no queue mark', async () => {
    const definition = definitionWith(3, 'Ship it');
    const ownerId = owner();
    const view = await insertWorkflow(workflows, { ownerId, definition, createdAt: at(1) });
    expect(await workflows.findById(view.id)).toStrictEqual({
      id: view.id,
      ownerId,
      definition,
      view,
      queuedAt: null,
    });
    expect(await workflows.findView(view.id)).toStrictEqual(view);
    expect(view).toMatchObject({ status: 'pending', totalSteps: 3, lastEventId: 0, createdAt: at(1) });
  });

  it('keeps a workflow without an owner', async () => {
    const view = await insertWorkflow(workflows, { ownerId: null });
    expect((await workflows.findById(view.id))?.ownerId).toBeNull();
  });

  it('finds nothing for an id it never stored', async () => {
    expect(await workflows.findById(newWorkflowId())).toBeUndefined();
    expect(await workflows.findView(newWorkflowId())).toBeUndefined();
  });

  it('refuses a second workflow with the same id', async () => {
    const view = await insertWorkflow(workflows);
    // (SQLite's errors come from another realm, so match on the message rather than on the class.)
    await expect(insertWorkflow(workflows, { id: view.id })).rejects.toMatchObject({
      message: expect.stringMatching(/unique|duplicate key/i),
    });
    expect(await workflows.findView(view.id)).toStrictEqual(view);
  });

  it('stores last_seq as an integer that comes back as a number', async () => {
    const view = await insertWorkflow(workflows);
    const row = await t.store.db
      .selectFrom('workflows')
      .select(['last_seq'])
      .where('id', '=', view.id)
      .executeTakeFirstOrThrow();
    expect(row.last_seq).toBe(0);
  });

  describe('list', () => {
    it('lists an owner’s workflows newest first, as their state without agents or lastEventId', async () => {
      const ownerId = owner();
      const inserted = [];
      for (const second of [5, 1, 3, 3, 3, 9])
        inserted.push(await insertWorkflow(workflows, { ownerId, createdAt: at(second) }));
      await insertWorkflow(workflows, { ownerId: owner(), createdAt: at(7) });
      const listed = await workflows.list({ ownerId, limit: 50 });
      // Ties on created_at are broken by id in the store's collation, which need not be JavaScript's order.
      expect(listed.map((item) => item.createdAt)).toEqual([at(9), at(5), at(3), at(3), at(3), at(1)]);
      expect(new Set(listed.map((item) => item.id))).toEqual(new Set(inserted.map((view) => view.id)));
      for (const item of listed) {
        const view = inserted.find((candidate) => candidate.id === item.id);
        const { agents: _agents, lastEventId: _lastEventId, ...state } = view ?? inserted[0];
        expect(item).toStrictEqual(state);
      }
      for (const item of listed) {
        expect(item).not.toHaveProperty('agents');
        expect(item).not.toHaveProperty('lastEventId');
      }
    });

    it('pages through every workflow exactly once, ties included, when each page starts after the last one', async () => {
      const ownerId = owner();
      const ids = new Set<string>();
      for (let i = 0; i < 23; i++)
        ids.add((await insertWorkflow(workflows, { ownerId, createdAt: at(i % 4) })).id);
      const seen: WorkflowState[] = [];
      let after: { createdAt: string; id: string } | undefined;
      for (let page = 0; page < 20; page++) {
        const items = await workflows.list({ ownerId, after, limit: 5 });
        seen.push(...items);
        if (items.length < 5) break;
        const last = items[items.length - 1];
        after = { createdAt: last.createdAt, id: last.id };
      }
      expect(seen.map((item) => item.id).sort()).toEqual([...ids].sort());
      expect(new Set(seen.map((item) => item.id)).size).toBe(23);
      expect(seen).toStrictEqual(await workflows.list({ ownerId, limit: 100 }));
    });

    it('lists every owner’s workflows when no owner is given', async () => {
      const mine = await insertWorkflow(workflows, { ownerId: owner(), createdAt: at(59) });
      const theirs = await insertWorkflow(workflows, { ownerId: owner(), createdAt: at(58) });
      const ids = (await workflows.list({ limit: 1_000 })).map((item) => item.id);
      expect(ids).toEqual(expect.arrayContaining([mine.id, theirs.id]));
    });
  });

  describe('queue and status', () => {
    it('finds pending workflows marked queued in the order they were queued, ids breaking ties', async () => {
      const a = await insertWorkflow(workflows);
      const b = await insertWorkflow(workflows);
      const c = await insertWorkflow(workflows);
      const unqueued = await insertWorkflow(workflows);
      await workflows.markQueued(c.id, '2000-01-01T00:00:02.000Z');
      await workflows.markQueued(a.id, '2000-01-01T00:00:03.000Z');
      await workflows.markQueued(b.id, '2000-01-01T00:00:02.000Z');
      const queued = await workflows.findQueued();
      const mine = queued.filter((id) => [a.id, b.id, c.id, unqueued.id].includes(id));
      // b and c were queued at the same moment: the id decides, in the store's collation.
      expect(mine).toHaveLength(3);
      expect(new Set(mine.slice(0, 2))).toEqual(new Set([b.id, c.id]));
      expect(mine[2]).toBe(a.id);
      expect(await workflows.findQueued()).toEqual(queued);
      expect((await workflows.findById(a.id))?.queuedAt).toBe('2000-01-01T00:00:03.000Z');
    });

    it('does not treat a queued workflow that has since started as queued', async () => {
      const seed = await insertWorkflow(workflows);
      await workflows.markQueued(seed.id, '2000-01-01T00:00:00.000Z');
      const running = { ...seed, status: 'running' as const, lastEventId: 1 };
      await new EventsRepository(t.store).append(
        seed.id,
        0,
        [
          {
            workflow_id: seed.id,
            seq: 1,
            type: 'workflow:started',
            data: JSON.stringify({ name: seed.name, totalSteps: 2, workflowId: seed.id, ts: at(0) }),
            lines: 0,
          },
        ],
        running,
      );
      expect(await workflows.findQueued()).not.toContain(seed.id);
      expect(await workflows.findIdsByStatus('running')).toContain(seed.id);
      expect(await workflows.findIdsByStatus('pending')).not.toContain(seed.id);
    });

    it('counts workflows by status in one query, every status present, as numbers', async () => {
      const before = await workflows.countByStatus();
      expect(Object.keys(before).sort()).toEqual(['cancelled', 'completed', 'failed', 'pending', 'running']);
      const seed = await insertWorkflow(workflows);
      await insertWorkflow(workflows);
      await new EventsRepository(t.store).append(
        seed.id,
        0,
        [
          {
            workflow_id: seed.id,
            seq: 1,
            type: 'workflow:started',
            data: JSON.stringify({ name: seed.name, totalSteps: 2, workflowId: seed.id, ts: at(0) }),
            lines: 0,
          },
        ],
        { ...seed, status: 'running', lastEventId: 1 },
      );
      const after = await workflows.countByStatus();
      expect(after).toEqual({ ...before, pending: before.pending + 1, running: before.running + 1 });
      expect(typeof after.pending).toBe('number');
    });

    it('counts every workflow, as a number', async () => {
      const before = await workflows.count();
      await insertWorkflow(workflows);
      await insertWorkflow(workflows);
      const after = await workflows.count();
      expect(typeof after).toBe('number');
      expect(after).toBe(before + 2);
    });
  });
});
