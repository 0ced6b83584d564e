import type { EventData, StreamEvent } from './events';
import { fromMicros, toMicros } from './money';
import type { AgentState, WorkflowDetail, WorkflowState } from './workflow-state';

/** What a workflow looks like before its first event: built from its definition at creation. */
export interface WorkflowSeed {
  id: string;
  name: string;
  createdAt: string;
  maxIterations: number;
  budgetLimit: number | null;
  agents: { agentName: string; agentRole: string }[];
}

export function seedWorkflow(seed: WorkflowSeed): WorkflowDetail {
  return {
    id: seed.id,
    name: seed.name,
    status: 'pending',
    currentAgent: null,
    currentStep: null,
    totalSteps: seed.agents.length,
    iterations: 0,
    maxIterations: seed.maxIterations,
    totalCost: 0,
    budgetLimit: seed.budgetLimit,
    createdAt: seed.createdAt,
    startedAt: null,
    completedAt: null,
    error: null,
    agents: seed.agents.map((agent, index) => ({
      agentName: agent.agentName,
      agentRole: agent.agentRole,
      stepNumber: index + 1,
      status: 'pending',
      startedAt: null,
      completedAt: null,
      duration: null,
      cost: null,
    })),
    lastEventId: 0,
  };
}

/** Strips the envelope fields (`workflowId`, `ts`) that `data:` adds to a payload. */
function payloadOf<T extends object>(data: T & { workflowId: string; ts: string }): T {
  const { workflowId: _workflowId, ts: _ts, ...payload } = data;
  return payload as unknown as T;
}

function updateAgent(
  agents: AgentState[],
  stepNumber: number,
  agentName: string,
  patch: Partial<AgentState>,
): AgentState[] {
  const index = agents.findIndex((agent) => agent.stepNumber === stepNumber);
  if (index === -1) {
    const added: AgentState = {
      agentName,
      agentRole: '',
      stepNumber,
      status: 'pending',
      startedAt: null,
      completedAt: null,
      duration: null,
      cost: null,
      ...patch,
    };
    return [...agents, added].sort((a, b) => a.stepNumber - b.stepNumber);
  }
  const next = agents.slice();
  next[index] = { ...agents[index], ...patch };
  return next;
}

/**
 * What the workflow spent since its last cost update goes to the agent running now (agents run one at a
 * time): so a running agent's row shows its cost so far, and an agent that is interrupted keeps it. Its
 * agent:completed or agent:failed then sets the exact figure.
 */
function withRunningCost(view: WorkflowDetail, totalCost: number | undefined): WorkflowDetail['agents'] {
  if (totalCost === undefined || totalCost === view.totalCost) return view.agents;
  const running = view.agents.findIndex((agent) => agent.status === 'running');
  if (running === -1) return view.agents;
  const agents = view.agents.slice();
  const spent = toMicros(agents[running].cost ?? 0) + toMicros(totalCost) - toMicros(view.totalCost);
  agents[running] = { ...agents[running], cost: fromMicros(Math.max(0, spent)) };
  return agents;
}

function finish(
  view: WorkflowDetail,
  data: EventData<'workflow:completed' | 'workflow:failed' | 'workflow:cancelled'>,
  status: WorkflowState['status'],
  error: string | null,
): WorkflowDetail {
  return {
    ...view,
    status,
    totalCost: data.totalCost,
    iterations: data.iterations,
    currentStep:
      'currentStep' in data && data.currentStep !== undefined ? data.currentStep : view.currentStep,
    completedAt: data.ts,
    error,
  };
}

/**
 * The one reducer: folds a stream event into the workflow's state. The server stores what it returns and the
 * console shows what it returns, so the two cannot drift. Pure: never mutates its arguments.
 */
export function reduceWorkflow(view: WorkflowDetail, event: StreamEvent): WorkflowDetail {
  const next = applyEvent(view, event);
  if (event.id === undefined || event.id <= next.lastEventId) return next;
  return next === view ? { ...view, lastEventId: event.id } : { ...next, lastEventId: event.id };
}

function applyEvent(view: WorkflowDetail, event: StreamEvent): WorkflowDetail {
  switch (event.type) {
    case 'workflow:state':
      return { ...payloadOf(event.data), agents: view.agents, lastEventId: view.lastEventId };
    case 'agent:state':
      return { ...view, agents: event.data.agents.map((agent) => ({ ...agent })) };
    case 'workflow:started':
      return {
        ...view,
        status: 'running',
        name: event.data.name,
        totalSteps: event.data.totalSteps,
        maxIterations: event.data.maxIterations ?? view.maxIterations,
        budgetLimit: event.data.budgetLimit ?? view.budgetLimit,
        startedAt: view.startedAt ?? event.data.ts,
        completedAt: null,
        error: null,
      };
    case 'workflow:running': {
      const { currentAgent, currentStep, iterations, totalCost } = event.data;
      return {
        ...view,
        currentAgent: currentAgent ?? view.currentAgent,
        currentStep: currentStep ?? view.currentStep,
        iterations: iterations ?? view.iterations,
        totalCost: totalCost ?? view.totalCost,
        agents: withRunningCost(view, totalCost),
      };
    }
    case 'agent:started':
      return {
        ...view,
        agents: updateAgent(view.agents, event.data.stepNumber, event.data.agentName, {
          agentName: event.data.agentName,
          agentRole: event.data.agentRole,
          status: 'running',
          startedAt: event.data.ts,
          completedAt: null,
          duration: null,
          cost: null,
        }),
      };
    case 'agent:completed':
    case 'agent:failed':
      return {
        ...view,
        agents: updateAgent(view.agents, event.data.stepNumber, event.data.agentName, {
          status: event.type === 'agent:completed' ? 'completed' : 'failed',
          completedAt: event.data.ts,
          duration: event.data.duration,
          cost: event.data.cost,
        }),
      };
    case 'workflow:completed':
      return finish(view, event.data, 'completed', null);
    case 'workflow:failed':
      return finish(view, event.data, 'failed', event.data.error);
    case 'workflow:cancelled':
      return finish(view, event.data, 'cancelled', null);
    case 'agent:progress':
    case 'budget:warning':
    case 'budget:exceeded':
    case 'log:created':
    case 'log:batch':
    case 'stream:reset':
      return view;
  }
}

export function foldWorkflow(view: WorkflowDetail, events: Iterable<StreamEvent>): WorkflowDetail {
  let state = view;
  for (const event of events) state = reduceWorkflow(state, event);
  return state;
}

/** The two snapshot events a stream opens with; the last one carries the latest id. */
export function snapshotEvents(view: WorkflowDetail, ts: string): StreamEvent[] {
  const { agents, lastEventId, ...state } = view;
  return [
    { type: 'workflow:state', data: { ...state, workflowId: view.id, ts } },
    { type: 'agent:state', id: lastEventId, data: { agents, workflowId: view.id, ts } },
  ];
}
