import { applyListEvent, LIVE_LIST_LIMIT, type WorkflowListEvent } from './list-stream';
import { seedWorkflow } from './reducer';
import { type WorkflowState, workflowSummary } from './workflow-state';

const ts = '2026-12-04T12:00:00.000Z';

/** A new workflow's list entry (two agents), as the server makes it, with `overrides`. */
function workflow(id: string, overrides: Partial<WorkflowState> = {}): WorkflowState {
  const seed = seedWorkflow({
    id,
    name: `flow ${id}`,
    createdAt: ts,
    maxIterations: 1,
    budgetLimit: null,
    agents: [
      { agentName: 'dev', agentRole: 'developer' },
      { agentName: 'review', agentRole: 'reviewer' },
    ],
  });
  return { ...workflowSummary(seed), ...overrides };
}

describe('applyListEvent', () => {
  const a = workflow('wf_a');
  const b = workflow('wf_b');

  it('replaces the list with a workflow:list page, without the event time', () => {
    const event: WorkflowListEvent = {
      id: 'p.3',
      type: 'workflow:list',
      data: { items: [b, a], nextCursor: null, ts },
    };
    expect(applyListEvent([workflow('wf_old')], event)).toEqual([b, a]);
  });

  it('puts a created workflow first, once, and keeps the list within LIVE_LIST_LIMIT', () => {
    const created: WorkflowListEvent = { type: 'workflow:created', data: { ...b, ts } };
    expect(applyListEvent([a], created)).toEqual([b, a]);
    expect(applyListEvent([b, a], created)).toEqual([b, a]);
    const full = Array.from({ length: LIVE_LIST_LIMIT }, (_, index) => workflow(`wf_${index}`));
    const next = applyListEvent(full, created);
    expect(next).toHaveLength(LIVE_LIST_LIMIT);
    expect(next[0]).toEqual(b);
  });

  it('replaces an updated workflow where it is, and leaves out one the list does not hold', () => {
    const running = { ...a, status: 'running' as const, currentAgent: 'dev', totalCost: 1.5 };
    expect(applyListEvent([b, a], { type: 'workflow:updated', data: { ...running, ts } })).toEqual([
      b,
      running,
    ]);
    const other = workflow('wf_elsewhere', { status: 'completed' });
    expect(applyListEvent([b, a], { type: 'workflow:updated', data: { ...other, ts } })).toEqual([b, a]);
  });

  it('takes a deleted workflow out, and ignores one the list does not hold', () => {
    expect(applyListEvent([b, a], { type: 'workflow:deleted', data: { id: a.id, ts } })).toEqual([b]);
    expect(applyListEvent([b, a], { type: 'workflow:deleted', data: { id: 'wf_elsewhere', ts } })).toEqual([
      b,
      a,
    ]);
  });

  it('leaves the list as it is on stream:reset (the workflow:list that follows replaces it)', () => {
    const reset: WorkflowListEvent = {
      type: 'stream:reset',
      data: { requestedId: 'x.1', latestId: 'p.9', reason: 'unknown-id', ts },
    };
    expect(applyListEvent([a, b], reset)).toEqual([a, b]);
  });
});
