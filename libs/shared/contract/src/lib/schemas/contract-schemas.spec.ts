import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { StoredEvent, StoredEventType, StreamEvent, WorkflowEventMap } from '../events';
import { STORED_EVENT_TYPES } from '../events';
import { applyListEvent, type WorkflowListEvent } from '../list-stream';
import { foldWorkflow, seedWorkflow, snapshotEvents } from '../reducer';
import { workflowSummary } from '../workflow-state';
import { CONTRACT_SCHEMAS, EVENT_DATA_SCHEMA_NAMES, LIST_EVENT_DATA_SCHEMA_NAMES } from './contract-schemas';
import { SCHEMA_REF_PREFIX } from './json-schema';

const WORKFLOW_ID = 'wf_AbCdEfGhIjKlMnOp';
const at = (second: number) => new Date(Date.UTC(2026, 10, 28, 9, 0, second)).toISOString();

/** The schemas as the OpenAPI document holds them, so `#/components/schemas/…` resolves as it does there. */
function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  ajv.addKeyword('components');
  ajv.addSchema({ $id: 'contract', components: { schemas: CONTRACT_SCHEMAS } });
  return (name: string, value: unknown): string[] => {
    const validate = ajv.getSchema(`contract${SCHEMA_REF_PREFIX}${name}`);
    if (!validate) throw new Error(`no schema ${name}`);
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  };
}

function stored<K extends StoredEventType>(id: number, type: K, payload: WorkflowEventMap[K]): StoredEvent {
  return { id, type, data: { ...payload, workflowId: WORKFLOW_ID, ts: at(id) } } as StoredEvent;
}

/** Every stored event type once, in an order the engine could produce (a retry after a failure). */
const EVENTS: StoredEvent[] = [
  stored(1, 'workflow:started', { name: 'Fix login bug', totalSteps: 2, maxIterations: 2, budgetLimit: 5 }),
  stored(2, 'agent:started', { agentName: 'dev', agentRole: 'developer', stepNumber: 1, prompt: 'Fix it' }),
  stored(3, 'workflow:running', { currentAgent: 'dev', currentStep: 1, iterations: 1 }),
  stored(4, 'agent:progress', { agentName: 'dev', message: 'reading', level: 'info' }),
  stored(5, 'log:created', { level: 'warn', message: 'slow', timestamp: at(5), metadata: { n: 1 } }),
  stored(6, 'log:batch', { agentName: 'dev', lines: [{ level: 'info', message: 'a', timestamp: at(6) }] }),
  stored(7, 'workflow:running', { totalCost: 4.1 }),
  stored(8, 'budget:warning', { currentCost: 4.1, budgetLimit: 5, percentageUsed: 82 }),
  stored(9, 'agent:failed', { agentName: 'dev', stepNumber: 1, duration: 900, cost: 4.1, error: 'boom' }),
  stored(10, 'agent:completed', { agentName: 'rev', stepNumber: 2, duration: 10, cost: 0.5, output: 'ok' }),
  stored(11, 'budget:exceeded', { currentCost: 5.2, budgetLimit: 5, percentageUsed: 104 }),
  stored(12, 'workflow:failed', { duration: 1_000, totalCost: 5.2, iterations: 1, error: 'over budget' }),
];
const ENDINGS: StoredEvent[] = [
  stored(12, 'workflow:completed', { duration: 1_000, totalCost: 4.6, iterations: 1, currentStep: 2 }),
  stored(12, 'workflow:cancelled', { duration: 1_000, totalCost: 4.6, iterations: 1 }),
];

describe('the contract schemas', () => {
  const check = validator();
  const seed = seedWorkflow({
    id: WORKFLOW_ID,
    name: 'Fix login bug',
    createdAt: at(0),
    maxIterations: 2,
    budgetLimit: 5,
    agents: [
      { agentName: 'dev', agentRole: 'developer' },
      { agentName: 'rev', agentRole: 'reviewer' },
    ],
  });

  it('covers every stored event type in these fixtures', () => {
    expect(new Set([...EVENTS, ...ENDINGS].map((event) => event.type))).toEqual(new Set(STORED_EVENT_TYPES));
  });

  it('accept every stored event, and its data under the schema named for its type', () => {
    for (const event of [...EVENTS, ...ENDINGS]) {
      expect({ type: event.type, errors: check('StoredEvent', event) }).toEqual({
        type: event.type,
        errors: [],
      });
      expect(check(EVENT_DATA_SCHEMA_NAMES[event.type], event.data)).toEqual([]);
    }
    expect(check('WorkflowEventsResponse', { items: EVENTS })).toEqual([]);
  });

  it('accept the state folded from the events at every step, and the snapshot events', () => {
    let view = seed;
    for (const event of EVENTS) {
      view = foldWorkflow(view, [event]);
      expect(check('WorkflowDetail', view)).toEqual([]);
      expect(check('WorkflowState', workflowSummary(view))).toEqual([]);
      const snapshot: StreamEvent[] = snapshotEvents(view, at(99));
      for (const frame of snapshot)
        expect(check(EVENT_DATA_SCHEMA_NAMES[frame.type], frame.data)).toEqual([]);
    }
    expect(check('WorkflowListResponse', { items: [workflowSummary(view)], nextCursor: null })).toEqual([]);
  });

  it('accept list stream events, folded as the console folds them', () => {
    const summary = workflowSummary(foldWorkflow(seed, EVENTS));
    const events: WorkflowListEvent[] = [
      { id: 'e.1', type: 'workflow:list', data: { items: [summary], nextCursor: 'abc', ts: at(1) } },
      { id: 'e.2', type: 'workflow:created', data: { ...summary, ts: at(2) } },
      { id: 'e.3', type: 'workflow:updated', data: { ...summary, status: 'failed', ts: at(3) } },
      {
        type: 'stream:reset',
        data: { requestedId: 'x', latestId: 'e.4', reason: 'unknown-id', ts: at(4) },
      },
    ];
    let items = applyListEvent([], events[0]);
    for (const event of events) {
      items = applyListEvent(items, event);
      expect(check(LIST_EVENT_DATA_SCHEMA_NAMES[event.type], event.data)).toEqual([]);
    }
    expect(check('WorkflowListResponse', { items, nextCursor: null })).toEqual([]);
  });

  it('refuse a stray field, a missing one, a wrong type and an unknown event type', () => {
    const view = foldWorkflow(seed, EVENTS);
    expect(check('WorkflowDetail', { ...view, extra: 1 })).not.toEqual([]);
    const { lastEventId: _lastEventId, ...withoutId } = view;
    expect(check('WorkflowDetail', withoutId)).not.toEqual([]);
    expect(check('WorkflowDetail', { ...view, status: 'sleeping' })).not.toEqual([]);
    expect(check('WorkflowDetail', { ...view, budgetLimit: null, completedAt: 'yesterday' })).not.toEqual([]);
    expect(check('StoredEvent', { ...EVENTS[0], type: 'workflow:paused' })).not.toEqual([]);
    expect(check('StoredEvent', { ...EVENTS[0], type: 'agent:started' })).not.toEqual([]);
  });

  it('accept the error answers the API sends', () => {
    expect(
      check('ErrorResponse', { statusCode: 404, error: 'Not Found', message: 'Workflow not found' }),
    ).toEqual([]);
    expect(
      check('ErrorResponse', {
        statusCode: 400,
        error: 'Bad Request',
        message: 'name must be a string',
        fields: [{ field: 'name', errors: ['name must be a string'] }],
      }),
    ).toEqual([]);
  });
});
