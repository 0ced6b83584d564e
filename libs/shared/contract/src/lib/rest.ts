import type { StoredEvent } from './events';
import type { LogLevel, WorkflowState } from './workflow-state';

/** Scripted agent: the demo and the test workhorse. */
export interface SimulatedRunnerDefinition {
  type: 'simulated';
  /** How long the agent runs, in milliseconds. */
  durationMs?: number;
  /** What it costs in US dollars, accrued evenly over its run. */
  cost?: number;
  /** How many progress lines it prints, evenly spread over its run. */
  progressMessages?: number;
  /** Fail at the end instead of completing. */
  fail?: boolean;
  /** Fail at the end of iterations 1 … N only (a loop that passes on iteration N + 1). */
  failIterations?: number;
  /** The agent's output on success. */
  output?: string;
}

/** A command run without a shell (admins only). Each output line is a log line. */
export interface ShellRunnerDefinition {
  type: 'shell';
  command: string;
  args?: string[];
  /** Working directory; the server's own when absent. */
  cwd?: string;
  /** Added to a small allowlist of the server's environment (PATH, HOME, LANG, …); never its secrets. */
  env?: Record<string, string>;
  /** Killed (its whole process group) and failed after this long. */
  timeoutMs?: number;
}

/** The Claude Code CLI in stream-json mode, with the agent's prompt. */
export interface ClaudeCodeRunnerDefinition {
  type: 'claude-code';
  model?: string;
  allowedTools?: string[];
  cwd?: string;
  maxTurns?: number;
  timeoutMs?: number;
}

export type RunnerDefinition = SimulatedRunnerDefinition | ShellRunnerDefinition | ClaudeCodeRunnerDefinition;

/** Runner types only an admin may put in a definition. */
export const ADMIN_ONLY_RUNNERS: readonly RunnerType[] = ['shell'];

export const AGENT_FAILURE_POLICIES = ['fail', 'retry-workflow'] as const;
export type AgentFailurePolicy = (typeof AGENT_FAILURE_POLICIES)[number];
export type RunnerType = RunnerDefinition['type'];
export const RUNNER_TYPES: readonly RunnerType[] = ['simulated', 'shell', 'claude-code'];

export interface AgentDefinition {
  name: string;
  role: string;
  prompt: string;
  runner: RunnerDefinition;
  /**
   * What a failure of this agent does: `fail` (the default) fails the workflow; `retry-workflow` starts the
   * next iteration from step 1, until `maxIterations` is reached.
   */
  onFailure?: AgentFailurePolicy;
}

export interface WorkflowDefinition {
  name: string;
  /** US dollars; no limit when absent. */
  budgetLimit?: number;
  maxIterations?: number;
  agents: AgentDefinition[];
}

export type CreateWorkflowRequest = WorkflowDefinition;

export interface WorkflowListResponse {
  items: WorkflowState[];
  nextCursor: string | null;
}

export interface WorkflowLogItem {
  /** Id of the stored event that holds the line. */
  id: number;
  /** Place of the line in its `log:batch` (0 for `log:created`). */
  index: number;
  level: LogLevel;
  message: string;
  timestamp: string;
  /** The agent whose output the line is (a `log:batch` names it once for all its lines). */
  agentName?: string;
  metadata?: Record<string, unknown>;
}

export interface WorkflowLogsResponse {
  items: WorkflowLogItem[];
}

export interface WorkflowEventsResponse {
  items: StoredEvent[];
}

export interface HealthResponse {
  status: 'ok' | 'unavailable';
  /** Each dependency: the store always, Redis only in a cluster (REDIS_URL set). */
  store?: 'ok' | 'down';
  redis?: 'ok' | 'down';
}

export interface FieldError {
  field: string;
  errors: string[];
}

/** Every error answer: Nest's shape, plus the offending fields for a 400. */
export interface ErrorResponse {
  statusCode: number;
  error: string;
  message: string;
  fields?: FieldError[];
}

export const LIST_LIMIT = { default: 50, max: 200 } as const;
export const PAGE_LIMIT = { default: 500, max: 1000 } as const;

export const API_PREFIX = 'api';
export const apiPaths = {
  health: '/api/health',
  workflows: '/api/workflows',
  workflow: (id: string) => `/api/workflows/${encodeURIComponent(id)}`,
  start: (id: string) => `/api/workflows/${encodeURIComponent(id)}/start`,
  cancel: (id: string) => `/api/workflows/${encodeURIComponent(id)}/cancel`,
  rerun: (id: string) => `/api/workflows/${encodeURIComponent(id)}/rerun`,
  listStream: '/api/workflows/stream',
  logs: (id: string) => `/api/workflows/${encodeURIComponent(id)}/logs`,
  /** Every log line as a plain-text attachment (one line each: time, level, agent, message). */
  logsDownload: (id: string) => `/api/workflows/${encodeURIComponent(id)}/logs/download`,
  events: (id: string) => `/api/workflows/${encodeURIComponent(id)}/events`,
  stream: (id: string) => `/api/workflows/${encodeURIComponent(id)}/stream`,
} as const;
