/** Status words shown in the console and carried by `workflow:state`. */
export const WORKFLOW_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

export const TERMINAL_WORKFLOW_STATUSES: readonly WorkflowStatus[] = ['completed', 'failed', 'cancelled'];

export const AGENT_STATUSES = ['pending', 'running', 'completed', 'failed'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The whole workflow, as `workflow:state` carries it (CONTRACT §5). Times are ISO strings. */
export interface WorkflowState {
  id: string;
  name: string;
  status: WorkflowStatus;
  currentAgent: string | null;
  currentStep: number | null;
  totalSteps: number;
  iterations: number;
  maxIterations: number;
  totalCost: number;
  budgetLimit: number | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  error: string | null;
}

/** One agent's row, as `agent:state` carries it. */
export interface AgentState {
  agentName: string;
  agentRole: string;
  stepNumber: number;
  status: AgentStatus;
  startedAt: string | null;
  completedAt: string | null;
  duration: number | null;
  cost: number | null;
}

/** `GET /api/workflows/:id`: the state, its agents and the id of the latest stored event (0 when none). */
export interface WorkflowDetail extends WorkflowState {
  agents: AgentState[];
  lastEventId: number;
}

/** What a list shows of a workflow (`GET /api/workflows`, the list stream): its state without agents and id. */
export function workflowSummary(view: WorkflowDetail): WorkflowState {
  const { agents: _agents, lastEventId: _lastEventId, ...state } = view;
  return state;
}

export function isTerminalStatus(status: WorkflowStatus): boolean {
  return TERMINAL_WORKFLOW_STATUSES.includes(status);
}
