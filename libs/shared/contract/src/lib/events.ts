import type { AgentState, LogLevel, WorkflowState } from './workflow-state';

export interface WorkflowStartedPayload {
  name: string;
  totalSteps: number;
  maxIterations?: number;
  budgetLimit?: number;
}

/** Only the fields that changed. */
export interface WorkflowRunningPayload {
  currentAgent?: string;
  currentStep?: number;
  iterations?: number;
  totalCost?: number;
}

export interface AgentStartedPayload {
  agentName: string;
  agentRole: string;
  stepNumber: number;
  prompt: string;
}

export interface AgentProgressPayload {
  agentName: string;
  message: string;
  level: LogLevel;
}

export interface AgentCompletedPayload {
  agentName: string;
  stepNumber: number;
  duration: number;
  cost: number;
  output?: string;
}

export interface AgentFailedPayload {
  agentName: string;
  stepNumber: number;
  duration: number;
  cost: number;
  error: string;
}

export interface WorkflowCompletedPayload {
  duration: number;
  totalCost: number;
  iterations: number;
  currentStep?: number;
}

export interface WorkflowFailedPayload {
  duration: number;
  totalCost: number;
  iterations: number;
  error: string;
}

export interface WorkflowCancelledPayload {
  duration: number;
  totalCost: number;
  iterations: number;
}

/** `budget:warning` is sent once, when the total cost reaches this share of the budget (in percent). */
export const BUDGET_WARNING_PERCENT = 80;

export interface BudgetPayload {
  currentCost: number;
  budgetLimit: number;
  percentageUsed: number;
}

export interface LogCreatedPayload {
  level: LogLevel;
  message: string;
  /** ISO time the line was produced. */
  timestamp: string;
  metadata?: Record<string, unknown>;
}

export interface LogLine {
  level: LogLevel;
  message: string;
  timestamp: string;
}

export interface LogBatchPayload {
  agentName?: string;
  lines: LogLine[];
}

export type WorkflowStatePayload = WorkflowState;

export interface AgentStatePayload {
  agents: AgentState[];
}

export type StreamResetReason = 'unknown-id' | 'expired';

export interface StreamResetPayload {
  /** The id the client asked to resume after, as it was sent. */
  requestedId: string;
  latestId: number;
  reason: StreamResetReason;
}

/** Every event type of CONTRACT §5 and its payload. */
export interface WorkflowEventMap {
  'workflow:started': WorkflowStartedPayload;
  'workflow:running': WorkflowRunningPayload;
  'agent:started': AgentStartedPayload;
  'agent:progress': AgentProgressPayload;
  'agent:completed': AgentCompletedPayload;
  'agent:failed': AgentFailedPayload;
  'workflow:completed': WorkflowCompletedPayload;
  'workflow:failed': WorkflowFailedPayload;
  'workflow:cancelled': WorkflowCancelledPayload;
  'budget:warning': BudgetPayload;
  'budget:exceeded': BudgetPayload;
  'log:created': LogCreatedPayload;
  'log:batch': LogBatchPayload;
  'workflow:state': WorkflowStatePayload;
  'agent:state': AgentStatePayload;
  'stream:reset': StreamResetPayload;
}

export type WorkflowEventType = keyof WorkflowEventMap;

/** Sent on a stream but never stored. */
export const SNAPSHOT_EVENT_TYPES = ['workflow:state', 'agent:state'] as const;

/** A snapshot carries the workflow's newest log lines, at most this many (CONTRACT §4). */
export const SNAPSHOT_LOG_LINES = 50;
export type SnapshotEventType = (typeof SNAPSHOT_EVENT_TYPES)[number];
export type StoredEventType = Exclude<WorkflowEventType, SnapshotEventType | 'stream:reset'>;

export const STORED_EVENT_TYPES: readonly StoredEventType[] = [
  'workflow:started',
  'workflow:running',
  'agent:started',
  'agent:progress',
  'agent:completed',
  'agent:failed',
  'workflow:completed',
  'workflow:failed',
  'workflow:cancelled',
  'budget:warning',
  'budget:exceeded',
  'log:created',
  'log:batch',
];

export const TERMINAL_EVENT_TYPES: readonly StoredEventType[] = [
  'workflow:completed',
  'workflow:failed',
  'workflow:cancelled',
];

export function isTerminalEventType(type: string): boolean {
  return (TERMINAL_EVENT_TYPES as readonly string[]).includes(type);
}

export function isStoredEventType(type: string): type is StoredEventType {
  return (STORED_EVENT_TYPES as readonly string[]).includes(type);
}

/** What `data:` carries: the payload plus the workflow id and the ISO time it was stored. */
export type EventData<T extends WorkflowEventType> = WorkflowEventMap[T] & {
  workflowId: string;
  ts: string;
};

/** A stored event: `id` is the per-workflow sequence number (1, 2, 3, … without gaps). */
export type StoredEvent = {
  [K in StoredEventType]: { id: number; type: K; data: EventData<K> };
}[StoredEventType];

/** Anything a stream may carry; snapshot events and `stream:reset` have no id of their own. */
export type StreamEvent = {
  [K in WorkflowEventType]: { id?: number; type: K; data: EventData<K> };
}[WorkflowEventType];

/** A stored event before the store has given it an id. */
export type NewEvent = {
  [K in StoredEventType]: { type: K; payload: WorkflowEventMap[K] };
}[StoredEventType];

/** The number of log lines an event holds (0 for every event that is not a log event). */
export function logLineCount(event: { type: string; data: unknown }): number {
  if (event.type === 'log:created') return 1;
  if (event.type === 'log:batch') return (event.data as LogBatchPayload).lines.length;
  return 0;
}
