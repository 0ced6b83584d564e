import type { EventData, LogLine, StoredEvent, StoredEventType, WorkflowEventType } from '../events';
import { STORED_EVENT_TYPES } from '../events';
import type { WorkflowListEventMap, WorkflowListEventType } from '../list-stream';
import type {
  ApiTokenListResponse,
  ApiTokenView,
  AuthUserResponse,
  CreateTokenResponse,
  LoginRequest,
  UserListResponse,
  UserView,
} from '../auth';
import { USER_ROLES } from '../auth';
import type {
  ErrorResponse,
  HealthResponse,
  WorkflowEventsResponse,
  WorkflowListResponse,
  WorkflowLogItem,
  WorkflowLogsResponse,
} from '../rest';
import {
  AGENT_STATUSES,
  LOG_LEVELS,
  WORKFLOW_STATUSES,
  type AgentState,
  type WorkflowDetail,
  type WorkflowState,
} from '../workflow-state';
import { type Expect, type Infer, type JsonSchema, s, type Same, type Schema } from './json-schema';

/**
 * JSON schemas of the contract's response bodies and event payloads: what `components.schemas` of the
 * OpenAPI document holds. Each is checked against its TypeScript type at compile time (`SchemaDriftChecks`
 * below), and the shared-contract tests validate folded events against them.
 */

const isoTime = (description?: string) =>
  s.string({ format: 'date-time', ...(description === undefined ? {} : { description }) });
const dollars = (description: string) => s.number({ description: `${description}, in US dollars` });
const logLevel = s.literal(LOG_LEVELS);

// ---------------------------------------------------------------------------------------------------------
// Workflows
// ---------------------------------------------------------------------------------------------------------

const workflowStateProps = {
  id: s.string({ description: 'Opaque workflow id (at least 8 characters)' }),
  name: s.string(),
  status: s.literal(WORKFLOW_STATUSES),
  currentAgent: s.nullable(s.string()),
  currentStep: s.nullable(s.integer()),
  totalSteps: s.integer(),
  iterations: s.integer(),
  maxIterations: s.integer(),
  totalCost: dollars('What the workflow has cost so far'),
  budgetLimit: s.nullable(dollars('The budget; null when unlimited')),
  createdAt: isoTime(),
  startedAt: s.nullable(isoTime()),
  completedAt: s.nullable(isoTime()),
  error: s.nullable(s.string()),
};

const WorkflowState = s.object(workflowStateProps, {
  description: 'The whole workflow, as `workflow:state` carries it (CONTRACT §5)',
});

const AgentState = s.object(
  {
    agentName: s.string(),
    agentRole: s.string(),
    stepNumber: s.integer(),
    status: s.literal(AGENT_STATUSES),
    startedAt: s.nullable(isoTime()),
    completedAt: s.nullable(isoTime()),
    duration: s.nullable(s.integer({ description: 'Milliseconds' })),
    cost: s.nullable(dollars('The agent’s cost (so far, while it runs)')),
  },
  { description: 'One agent’s row, as `agent:state` carries it' },
);

const WorkflowDetail = s.object(
  {
    ...workflowStateProps,
    agents: s.array(s.ref<AgentState>('AgentState')),
    lastEventId: s.integer({ description: 'Id of the latest stored event (0 when none)' }),
  },
  { description: 'The full state: the same object `workflow:state` carries, its agents and `lastEventId`' },
);

const WorkflowListResponse = s.object({
  items: s.array(s.ref<WorkflowState>('WorkflowState')),
  nextCursor: s.nullable(s.string({ description: 'Pass as `?cursor=` for the next page' })),
});

const WorkflowLogItem = s.object({
  id: s.integer({ description: 'Id of the stored event that holds the line' }),
  index: s.integer({ description: 'Place of the line in its `log:batch` (0 for `log:created`)' }),
  level: logLevel,
  message: s.string(),
  timestamp: isoTime(),
  agentName: s.optional(s.string()),
  metadata: s.optional(s.record(s.unknown())),
});

const WorkflowLogsResponse = s.object({ items: s.array(s.ref<WorkflowLogItem>('WorkflowLogItem')) });

// ---------------------------------------------------------------------------------------------------------
// Events (CONTRACT §5): `data:` of each type is its payload plus `workflowId` and `ts`.
// ---------------------------------------------------------------------------------------------------------

const eventData = <P extends Parameters<typeof s.object>[0]>(payload: P, description: string) =>
  s.object(
    {
      ...payload,
      workflowId: s.string(),
      ts: isoTime('When the event was stored (sent, for snapshot events)'),
    },
    { description },
  );

const budgetPayload = {
  currentCost: dollars('The total cost'),
  budgetLimit: dollars('The budget'),
  percentageUsed: s.number(),
};

const logLine = s.object({ level: logLevel, message: s.string(), timestamp: isoTime() });

const workflowEventData = {
  'workflow:started': eventData(
    {
      name: s.string(),
      totalSteps: s.integer(),
      maxIterations: s.optional(s.integer()),
      budgetLimit: s.optional(dollars('The budget')),
    },
    'The workflow started',
  ),
  'workflow:running': eventData(
    {
      currentAgent: s.optional(s.string()),
      currentStep: s.optional(s.integer()),
      iterations: s.optional(s.integer()),
      totalCost: s.optional(dollars('The total cost')),
    },
    'Only the fields that changed',
  ),
  'agent:started': eventData(
    { agentName: s.string(), agentRole: s.string(), stepNumber: s.integer(), prompt: s.string() },
    'An agent started',
  ),
  'agent:progress': eventData(
    { agentName: s.string(), message: s.string(), level: logLevel },
    'Coalesced to at most one per agent per second; the last one in each window always arrives',
  ),
  'agent:completed': eventData(
    {
      agentName: s.string(),
      stepNumber: s.integer(),
      duration: s.integer({ description: 'Milliseconds' }),
      cost: dollars('The agent’s cost'),
      output: s.optional(s.string()),
    },
    'An agent completed',
  ),
  'agent:failed': eventData(
    {
      agentName: s.string(),
      stepNumber: s.integer(),
      duration: s.integer({ description: 'Milliseconds' }),
      cost: dollars('The agent’s cost'),
      error: s.string(),
    },
    'An agent failed',
  ),
  'workflow:completed': eventData(
    {
      duration: s.integer({ description: 'Milliseconds' }),
      totalCost: dollars('The total cost'),
      iterations: s.integer(),
      currentStep: s.optional(s.integer()),
    },
    'The workflow completed (final)',
  ),
  'workflow:failed': eventData(
    {
      duration: s.integer({ description: 'Milliseconds' }),
      totalCost: dollars('The total cost'),
      iterations: s.integer(),
      error: s.string(),
    },
    'The workflow failed (final)',
  ),
  'workflow:cancelled': eventData(
    {
      duration: s.integer({ description: 'Milliseconds' }),
      totalCost: dollars('The total cost'),
      iterations: s.integer(),
    },
    'The workflow was cancelled (final)',
  ),
  'budget:warning': eventData(budgetPayload, 'Sent once, at 80 % of the budget'),
  'budget:exceeded': eventData(
    budgetPayload,
    'The budget is spent: the running agent is stopped and the workflow fails',
  ),
  'log:created': eventData(
    {
      level: logLevel,
      message: s.string(),
      timestamp: isoTime(),
      metadata: s.optional(s.record(s.unknown())),
    },
    'One log line',
  ),
  'log:batch': eventData(
    {
      agentName: s.optional(s.string({ description: 'Set when every line is this agent’s' })),
      lines: s.array(s.ref<LogLine>('LogLine'), { maxItems: 500 }),
    },
    'Log lines that arrived together (above 50 lines/s per workflow)',
  ),
  'workflow:state': eventData(workflowStateProps, 'Snapshot: the whole workflow (no id, not stored)'),
  'agent:state': eventData(
    { agents: s.array(s.ref<AgentState>('AgentState')) },
    'Snapshot: every agent (no id, not stored)',
  ),
  'stream:reset': eventData(
    {
      requestedId: s.string({ description: 'The id the client asked to resume after, as it was sent' }),
      latestId: s.integer(),
      reason: s.literal(['unknown-id', 'expired']),
    },
    'The resume could not be served: a fresh snapshot follows (no id, not stored)',
  ),
};

/** `components.schemas` name of each event type's `data` (names may not hold a colon). */
export const EVENT_DATA_SCHEMA_NAMES = Object.fromEntries(
  Object.keys(workflowEventData).map((type) => [type, `${pascal(type)}Data`]),
) as Record<WorkflowEventType, string>;

/** A stored event as `GET /api/workflows/:id/events` lists it: its id, type and `data` as streamed. */
const storedEvent = (type: StoredEventType): Schema<StoredEvent> =>
  s.object({
    id: s.integer({ minimum: 1 }),
    type: s.literal([type]),
    data: s.ref(EVENT_DATA_SCHEMA_NAMES[type]),
  }) as Schema<StoredEvent>;

const StoredEventSchema = s.oneOf(STORED_EVENT_TYPES.map(storedEvent), {
  description: 'A stored event: `data` exactly as sent on the stream',
});

const WorkflowEventsResponse = s.object({ items: s.array(s.ref<StoredEvent>('StoredEvent')) });

// ---------------------------------------------------------------------------------------------------------
// The workflows list stream: `data:` is the payload plus `ts`.
// ---------------------------------------------------------------------------------------------------------

const withTs = <P extends Parameters<typeof s.object>[0]>(payload: P, description: string) =>
  s.object({ ...payload, ts: isoTime('When the event was sent') }, { description });

const listEventData = {
  'workflow:list': withTs(
    {
      items: s.array(s.ref<WorkflowState>('WorkflowState')),
      nextCursor: s.nullable(s.string()),
    },
    'The first page, as `GET /api/workflows` answers it',
  ),
  'workflow:created': withTs(workflowStateProps, 'A workflow the caller may see was created'),
  'workflow:updated': withTs(workflowStateProps, 'A workflow’s summary changed'),
  'workflow:deleted': withTs(
    { id: s.string() },
    'A workflow was deleted (DELETE or retention): it leaves the list, and its own streams end',
  ),
  'stream:reset': withTs(
    {
      requestedId: s.string(),
      latestId: s.string({ description: 'The id the fresh `workflow:list` that follows carries' }),
      reason: s.literal(['unknown-id', 'expired']),
    },
    'The cursor could not be resumed: a fresh `workflow:list` follows',
  ),
};

/** `components.schemas` name of each list stream event type's `data`. */
export const LIST_EVENT_DATA_SCHEMA_NAMES = Object.fromEntries(
  Object.keys(listEventData).map((type) => [type, `List${pascal(type)}Data`]),
) as Record<WorkflowListEventType, string>;

// ---------------------------------------------------------------------------------------------------------
// Auth, users, health, errors
// ---------------------------------------------------------------------------------------------------------

const UserView = s.object({ id: s.string(), username: s.string(), role: s.literal(USER_ROLES) });
const AuthUserResponse = s.object({ user: s.ref<UserView>('UserView') });
const LoginRequest = s.object({ username: s.string(), password: s.string() });
const apiTokenProps = {
  id: s.string(),
  name: s.string(),
  createdAt: isoTime(),
  lastUsedAt: s.nullable(isoTime()),
};
const ApiTokenView = s.object(apiTokenProps);
const CreateTokenResponse = s.object(
  { ...apiTokenProps, token: s.string({ description: 'Shown this once; only its hash is kept' }) },
  { description: 'Send the token as `Authorization: Bearer <token>`' },
);
const ApiTokenListResponse = s.object({ items: s.array(s.ref<ApiTokenView>('ApiTokenView')) });
const UserListResponse = s.object({ items: s.array(s.ref<UserView>('UserView')) });

const dependency = s.optional(s.literal(['ok', 'down']));
const HealthResponse = s.object({
  status: s.literal(['ok', 'unavailable']),
  store: dependency,
  redis: s.optional(s.literal(['ok', 'down'], { description: 'Only in a cluster (REDIS_URL set)' })),
});

const ErrorResponse = s.object(
  {
    statusCode: s.integer(),
    error: s.string(),
    message: s.string(),
    fields: s.optional(
      s.array(s.object({ field: s.string(), errors: s.array(s.string()) }), {
        description: 'The offending fields of a 400',
      }),
    ),
  },
  { description: 'Every error answer' },
);

/** Every named schema of the OpenAPI document: `components.schemas`. */
export const CONTRACT_SCHEMAS: Record<string, JsonSchema> = {
  WorkflowState,
  AgentState,
  WorkflowDetail,
  WorkflowListResponse,
  WorkflowLogItem,
  WorkflowLogsResponse,
  LogLine: logLine,
  StoredEvent: StoredEventSchema,
  WorkflowEventsResponse,
  UserView,
  AuthUserResponse,
  LoginRequest,
  ApiTokenView,
  CreateTokenResponse,
  ApiTokenListResponse,
  UserListResponse,
  HealthResponse,
  ErrorResponse,
  ...Object.fromEntries(
    Object.entries(workflowEventData).map(([type, data]) => [
      EVENT_DATA_SCHEMA_NAMES[type as WorkflowEventType],
      data,
    ]),
  ),
  ...Object.fromEntries(
    Object.entries(listEventData).map(([type, data]) => [
      LIST_EVENT_DATA_SCHEMA_NAMES[type as WorkflowListEventType],
      data,
    ]),
  ),
};

/** Names of `CONTRACT_SCHEMAS` that describe a response or request body. */
export type ContractSchemaName =
  | 'WorkflowState'
  | 'WorkflowDetail'
  | 'WorkflowListResponse'
  | 'WorkflowLogsResponse'
  | 'WorkflowEventsResponse'
  | 'UserView'
  | 'AuthUserResponse'
  | 'LoginRequest'
  | 'CreateTokenResponse'
  | 'ApiTokenListResponse'
  | 'UserListResponse'
  | 'HealthResponse'
  | 'ErrorResponse';

function pascal(type: string): string {
  return type
    .split(/[:-]/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/**
 * Compile-time drift checks: each entry fails to type-check when a schema above and the contract type it
 * describes disagree on a field (missing, extra, optional or nullable). `$ref`s are typed by the `s.ref<T>`
 * that makes them; the tests resolve every one of them.
 */
export type SchemaDriftChecks = [
  Expect<Same<Infer<typeof WorkflowState>, WorkflowState>>,
  Expect<Same<Infer<typeof AgentState>, AgentState>>,
  Expect<Same<Infer<typeof WorkflowDetail>, WorkflowDetail>>,
  Expect<Same<Infer<typeof WorkflowListResponse>, WorkflowListResponse>>,
  Expect<Same<Infer<typeof WorkflowLogItem>, WorkflowLogItem>>,
  Expect<Same<Infer<typeof WorkflowLogsResponse>, WorkflowLogsResponse>>,
  Expect<Same<Infer<typeof logLine>, LogLine>>,
  Expect<Same<Infer<typeof WorkflowEventsResponse>, WorkflowEventsResponse>>,
  Expect<Same<Infer<typeof UserView>, UserView>>,
  Expect<Same<Infer<typeof AuthUserResponse>, AuthUserResponse>>,
  Expect<Same<Infer<typeof LoginRequest>, LoginRequest>>,
  Expect<Same<Infer<typeof ApiTokenView>, ApiTokenView>>,
  Expect<Same<Infer<typeof CreateTokenResponse>, CreateTokenResponse>>,
  Expect<Same<Infer<typeof ApiTokenListResponse>, ApiTokenListResponse>>,
  Expect<Same<Infer<typeof UserListResponse>, UserListResponse>>,
  Expect<Same<Infer<typeof HealthResponse>, HealthResponse>>,
  Expect<Same<Infer<typeof ErrorResponse>, ErrorResponse>>,
  // Every event type has a schema (a new type without one does not compile), and each matches its data.
  Expect<EventDrift[WorkflowEventType]>,
  Expect<ListEventDrift[WorkflowListEventType]>,
];

/** Per event type: whether its schema matches its data (any false makes the union `boolean`). */
type EventDrift = {
  [K in WorkflowEventType]: Same<Infer<(typeof workflowEventData)[K]>, EventData<K>>;
};
type ListEventDrift = {
  [K in WorkflowListEventType]: Same<
    Infer<(typeof listEventData)[K]>,
    WorkflowListEventMap[K] & { ts: string }
  >;
};
