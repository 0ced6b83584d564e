import { seedWorkflow, type WorkflowDetail } from '@flowcast/shared-contract';
import type { PublishedBatch } from '../workflow-hub';
import { insertWorkflow, openTestStore, type TestStore } from '../testing/test-stores';
import { WorkflowsRepository } from '../workflows.repository';
import { ALL_WORKFLOWS_KEY, LIST_FEED_RETAINED, ownerKey, WorkflowListFeed } from './workflow-list-feed';

function view(id: string, overrides: Partial<WorkflowDetail> = {}): WorkflowDetail {
  return {
    ...seedWorkflow({
      id,
      name: `flow ${id}`,
      createdAt: '2026-12-04T12:00:00.000Z',
      maxIterations: 1,
      budgetLimit: null,
      agents: [{ agentName: 'dev', agentRole: 'developer' }],
    }),
    ...overrides,
  };
}

function collect(feed: WorkflowListFeed, key: string) {
  const seen: { type: string; id: string; status: string; totalCost: number }[] = [];
  const subscription = feed.watch(key).subscribe((batch: PublishedBatch) => {
    const frame = batch.frames;
    const type = /event: (\S+)/.exec(frame)?.[1] ?? '';
    const data = JSON.parse(/data: (.*)/.exec(frame)?.[1] ?? '{}') as {
      id: string;
      status: string;
      totalCost: number;
    };
    seen.push({ type, id: data.id, status: data.status, totalCost: data.totalCost });
  });
  return { seen, stop: () => subscription.unsubscribe() };
}

describe('WorkflowListFeed', () => {
  let t: TestStore;
  let workflows: WorkflowsRepository;

  beforeAll(async () => {
    t = await openTestStore('sqlite');
    workflows = new WorkflowsRepository(t.store);
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(() => jest.useRealTimers());

  it('reads the owner of a workflow another process created, and sends its changes to that owner', async () => {
    const feed = new WorkflowListFeed(workflows);
    const seed = await insertWorkflow(workflows, { ownerId: 'carol' });
    const carol = collect(feed, ownerKey('carol'));
    const dave = collect(feed, ownerKey('dave'));
    feed.committed(seed.id, { ...seed, status: 'running' });
    // While the owner is read, a newer state replaces the waiting one: only the latest goes out.
    feed.committed(seed.id, { ...seed, status: 'running', totalCost: 1 });
    await new Promise<void>((resolve) => {
      const subscription = feed.watch(ownerKey('carol')).subscribe(() => {
        subscription.unsubscribe();
        resolve();
      });
    });
    expect(carol.seen.map((change) => [change.id, change.status, change.totalCost])).toEqual([
      [seed.id, 'running', 1],
    ]);
    expect(dave.seen).toEqual([]);
  });

  it('sends a status change at once, other changes at most once a second (the latest), the final one always', () => {
    jest.useFakeTimers({ now: Date.UTC(2026, 11, 4, 12) });
    const feed = new WorkflowListFeed(workflows);
    const all = collect(feed, ALL_WORKFLOWS_KEY);
    feed.created('u1', view('wf_a'));
    feed.committed('wf_a', view('wf_a', { status: 'running' }));
    feed.committed('wf_a', view('wf_a', { status: 'running', totalCost: 1 }));
    feed.committed('wf_a', view('wf_a', { status: 'running', totalCost: 2 }));
    expect(all.seen.map((change) => [change.type, change.status, change.totalCost])).toEqual([
      ['workflow:created', 'pending', 0],
      ['workflow:updated', 'running', 0],
    ]);
    jest.advanceTimersByTime(1_000);
    expect(all.seen.slice(2).map((change) => change.totalCost)).toEqual([2]);
    // Nothing the list shows changed (a log line, say): nothing is sent.
    jest.advanceTimersByTime(5_000);
    feed.committed('wf_a', view('wf_a', { status: 'running', totalCost: 2, lastEventId: 99 }));
    jest.advanceTimersByTime(5_000);
    expect(all.seen).toHaveLength(3);
    feed.committed('wf_a', view('wf_a', { status: 'running', totalCost: 3 }));
    feed.committed('wf_a', view('wf_a', { status: 'completed', totalCost: 3.5 }));
    expect(all.seen.slice(3).map((change) => [change.status, change.totalCost])).toEqual([
      ['running', 3],
      ['completed', 3.5],
    ]);
    jest.advanceTimersByTime(5_000);
    expect(all.seen).toHaveLength(5);
    all.stop();
  });

  it("sends a member's key only their own workflows, and the admins' key every one", () => {
    const feed = new WorkflowListFeed(workflows);
    const all = collect(feed, ALL_WORKFLOWS_KEY);
    const alice = collect(feed, ownerKey('alice'));
    feed.created('alice', view('wf_alice'));
    feed.created('bob', view('wf_bob'));
    feed.created(null, view('wf_demo'));
    expect(all.seen.map((change) => change.id)).toEqual(['wf_alice', 'wf_bob', 'wf_demo']);
    expect(alice.seen.map((change) => change.id)).toEqual(['wf_alice']);
    expect(feed.changesAfter(0, ownerKey('alice'))).toHaveLength(1);
    expect(feed.changesAfter(1, ALL_WORKFLOWS_KEY)).toHaveLength(2);
  });

  it('resumes only its own ids that it still keeps', () => {
    const feed = new WorkflowListFeed(workflows);
    expect(feed.resumable(feed.idOf(0))).toBe(0);
    for (let index = 0; index < 2 * LIST_FEED_RETAINED; index++) feed.created(null, view(`wf_${index}`));
    const latest = feed.seq;
    expect(feed.resumable(feed.idOf(latest))).toBe(latest);
    expect(feed.resumable(feed.idOf(latest - LIST_FEED_RETAINED))).toBe(latest - LIST_FEED_RETAINED);
    expect(feed.resumable(feed.idOf(1))).toBeNull(); // older than what is kept
    expect(feed.resumable(feed.idOf(latest + 1))).toBeNull(); // never issued
    expect(feed.resumable(`other.${latest}`)).toBeNull(); // another process's
    expect(feed.resumable('42')).toBeNull();
    expect(feed.resumable('')).toBeNull();
  });
});
