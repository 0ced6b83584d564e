import type { StreamEvent } from './events';
import { fromMicros, toMicros } from './money';
import type { AgentStatus } from './workflow-state';

/** One run of one agent in one iteration: a bar of the run's timeline. Times are ms since the workflow started. */
export interface AgentBar {
  agentName: string;
  stepNumber: number;
  /** 1-based. */
  iteration: number;
  /** As the agents table shows it: an agent stopped by a cancel or the budget ends `failed` (see `error`). */
  status: Exclude<AgentStatus, 'pending'>;
  startMs: number;
  /** Null while it runs: the bar then ends at "now". */
  endMs: number | null;
  /** The duration the agent reported; null while it runs. */
  duration: number | null;
  /** What it has spent so far while it runs, then the cost it reported (dollars). */
  cost: number;
  error: string | null;
}

/** The workflow's total cost from a point in time on (a step line). */
export interface CostPoint {
  atMs: number;
  cost: number;
}

/** What the run charts draw: every agent run of every iteration, and every step of the total cost. */
export interface RunHistory {
  /** The ISO time of `workflow:started`; null before the workflow started. */
  startedAt: string | null;
  /** When the workflow ended, in ms since it started; null while it runs. */
  endMs: number | null;
  /** The iteration the agents now starting belong to (0 before the first). */
  iteration: number;
  totalCost: number;
  bars: AgentBar[];
  /** Starts at `{ atMs: 0, cost: 0 }`; one more each time an event changes the total cost. */
  costPoints: CostPoint[];
  /** The id of the last event folded in (0 when none). */
  lastEventId: number;
}

export const EMPTY_RUN_HISTORY: RunHistory = {
  startedAt: null,
  endMs: null,
  iteration: 0,
  totalCost: 0,
  bars: [],
  costPoints: [],
  lastEventId: 0,
};

/**
 * Folds one stored event into a run's history. The snapshot a stream opens with holds only the current
 * state (earlier iterations' agent runs are gone from it), so the history is built from the stored events:
 * `GET /api/workflows/:id/events` for the past, then each live event as it is applied. Pure: never mutates
 * its arguments; events with an id at or below `lastEventId` are already in and change nothing.
 */
export function appendRunHistory(history: RunHistory, event: StreamEvent): RunHistory {
  if (event.id !== undefined && event.id <= history.lastEventId) return history;
  const next = applyEvent(history, event);
  return event.id === undefined ? next : { ...next, lastEventId: event.id };
}

export function runHistory(events: Iterable<StreamEvent>, from: RunHistory = EMPTY_RUN_HISTORY): RunHistory {
  let history = from;
  for (const event of events) history = appendRunHistory(history, event);
  return history;
}

function applyEvent(history: RunHistory, event: StreamEvent): RunHistory {
  switch (event.type) {
    case 'workflow:started':
      // As the reducer does, the first start counts (its time is the chart's zero).
      if (history.startedAt !== null) return history;
      return { ...history, startedAt: event.data.ts, costPoints: [{ atMs: 0, cost: history.totalCost }] };
    case 'workflow:running': {
      const { iterations, totalCost } = event.data;
      const withIteration = iterations === undefined ? history : { ...history, iteration: iterations };
      return totalCost === undefined
        ? withIteration
        : withCost(withIteration, totalCost, msOf(history, event));
    }
    case 'agent:started': {
      const bar: AgentBar = {
        agentName: event.data.agentName,
        stepNumber: event.data.stepNumber,
        iteration: Math.max(1, history.iteration),
        status: 'running',
        startMs: msOf(history, event),
        endMs: null,
        duration: null,
        cost: 0,
        error: null,
      };
      return { ...history, bars: [...history.bars, bar] };
    }
    case 'agent:completed':
    case 'agent:failed': {
      const index = runningBarIndex(history.bars, event.data.stepNumber);
      if (index === -1) return history;
      const bars = history.bars.slice();
      bars[index] = {
        ...bars[index],
        status: event.type === 'agent:completed' ? 'completed' : 'failed',
        endMs: msOf(history, event),
        duration: event.data.duration,
        cost: event.data.cost,
        error: event.type === 'agent:failed' ? event.data.error : null,
      };
      return { ...history, bars };
    }
    case 'workflow:completed':
    case 'workflow:failed':
    case 'workflow:cancelled': {
      const atMs = msOf(history, event);
      const ended = withCost(history, event.data.totalCost, atMs);
      // The engine ends every agent before the workflow; a bar still open (none should be) stops growing here.
      const bars = ended.bars.map((bar) => (bar.endMs === null ? { ...bar, endMs: atMs } : bar));
      return { ...ended, iteration: event.data.iterations, endMs: atMs, bars };
    }
    default:
      return history;
  }
}

/**
 * A new total: a new cost point, and (as the reducer does for the agents table) what was spent since the last
 * total goes to the running agent, so that its bar's cost matches its row while it runs.
 */
function withCost(history: RunHistory, totalCost: number, atMs: number): RunHistory {
  if (totalCost === history.totalCost) return history;
  const spent = toMicros(totalCost) - toMicros(history.totalCost);
  const running = history.bars.findIndex((bar) => bar.endMs === null);
  let bars = history.bars;
  if (running !== -1) {
    bars = bars.slice();
    const cost = fromMicros(Math.max(0, toMicros(bars[running].cost) + spent));
    bars[running] = { ...bars[running], cost };
  }
  return { ...history, totalCost, bars, costPoints: [...history.costPoints, { atMs, cost: totalCost }] };
}

function runningBarIndex(bars: AgentBar[], stepNumber: number): number {
  for (let index = bars.length - 1; index >= 0; index--) {
    if (bars[index].stepNumber === stepNumber) return bars[index].endMs === null ? index : -1;
  }
  return -1;
}

/** The event's time in ms since the workflow started (never before it: clocks and rounding aside). */
function msOf(history: RunHistory, event: StreamEvent): number {
  if (history.startedAt === null) return 0;
  const at = Date.parse(event.data.ts) - Date.parse(history.startedAt);
  return Number.isFinite(at) ? Math.max(0, at) : 0;
}
