import type { StreamResetReason } from './events';
import type { WorkflowListResponse } from './rest';
import type { WorkflowState } from './workflow-state';

/**
 * The workflows list stream, `GET /api/workflows/stream` (docs/stream-protocol.md, "The list stream"): the
 * workflows the caller may see (a member's own, an admin's all), live. Its ids are opaque strings (they name
 * the process that issued them); resume with `Last-Event-ID` like the per-workflow stream.
 */
export interface WorkflowListEventMap {
  /** The first page (as `GET /api/workflows` answers it), on a new stream or after `stream:reset`. */
  'workflow:list': WorkflowListResponse;
  /** A workflow the caller may see was created. */
  'workflow:created': WorkflowState;
  /**
   * A workflow's summary changed: at once when its status changed, otherwise (current agent, step, cost,
   * iterations) at most once per workflow per second; the last change of a workflow is always sent.
   */
  'workflow:updated': WorkflowState;
  /** A workflow was deleted (by its owner or an admin, or by retention): it leaves the list. */
  'workflow:deleted': WorkflowDeletedPayload;
  /** The cursor could not be resumed (another process issued it, or it is older than what is kept). */
  'stream:reset': ListStreamResetPayload;
}

export interface WorkflowDeletedPayload {
  id: string;
}

export interface ListStreamResetPayload {
  requestedId: string;
  /** The id the fresh `workflow:list` that follows carries. */
  latestId: string;
  reason: StreamResetReason;
}

export type WorkflowListEventType = keyof WorkflowListEventMap;

export const WORKFLOW_LIST_EVENT_TYPES: readonly WorkflowListEventType[] = [
  'workflow:list',
  'workflow:created',
  'workflow:updated',
  'workflow:deleted',
  'stream:reset',
];

/** What `data:` carries on the list stream: the payload and the ISO time it was sent. */
export type WorkflowListEvent = {
  [K in WorkflowListEventType]: { id?: string; type: K; data: WorkflowListEventMap[K] & { ts: string } };
}[WorkflowListEventType];

/** Most workflows a list page holds while it follows the stream (newer ones push the oldest out). */
export const LIVE_LIST_LIMIT = 200;

/**
 * The list a page shows, after one list stream event: a `workflow:list` replaces it, a `workflow:created`
 * puts the workflow first, a `workflow:updated` replaces the workflow where it is (a workflow the list does
 * not hold is left out: it is older than the page), a `workflow:deleted` takes it out. Newest first, as
 * `GET /api/workflows` orders them.
 */
export function applyListEvent(items: readonly WorkflowState[], event: WorkflowListEvent): WorkflowState[] {
  switch (event.type) {
    case 'workflow:list':
      return event.data.items.map(withoutTs);
    case 'workflow:created': {
      const created = withoutTs(event.data);
      return [created, ...items.filter((item) => item.id !== created.id)].slice(0, LIVE_LIST_LIMIT);
    }
    case 'workflow:updated': {
      const updated = withoutTs(event.data);
      return items.map((item) => (item.id === updated.id ? updated : item));
    }
    case 'workflow:deleted':
      return items.filter((item) => item.id !== event.data.id);
    default:
      return [...items];
  }
}

function withoutTs<T extends object>(data: T & { ts?: string }): T {
  if (!('ts' in data)) return data;
  const { ts: _ts, ...rest } = data;
  return rest as T;
}
