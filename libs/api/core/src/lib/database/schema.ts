/** Row shapes of the store, shared by every repository. JSON columns hold text in both dialects. */
export interface WorkflowsTable {
  id: string;
  owner_id: string | null;
  name: string;
  status: string;
  created_at: string;
  updated_at: string;
  /** The definition as submitted (JSON). */
  definition: string;
  /** The reducer's state after the last stored event (JSON of WorkflowDetail). */
  state: string;
  /** Id of the latest stored event; the next event gets last_seq + 1. */
  last_seq: number;
  /** When a start was asked for; a pending workflow with this set is waiting for a free slot. */
  queued_at: string | null;
}

export interface EventsTable {
  workflow_id: string;
  seq: number;
  type: string;
  /** The event's `data:` line exactly as streamed (JSON, including workflowId and ts). */
  data: string;
  /** Log lines the event holds: 1 for log:created, the batch size for log:batch, else 0. */
  lines: number;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface FlowcastDatabase {
  workflows: WorkflowsTable;
  events: EventsTable;
  settings: SettingsTable;
}
