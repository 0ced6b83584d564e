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
  /** In a cluster, who claimed the workflow: the instance running it, or `cancelled:<instance>`. */
  runner: string | null;
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

export interface UsersTable {
  id: string;
  username: string;
  /** scrypt$N$r$p$salt$hash (base64url). */
  password_hash: string;
  role: string;
  created_at: string;
  updated_at: string;
}

export interface SessionsTable {
  /** HMAC-SHA256 of the cookie's token under SESSION_SECRET: the token itself is never stored. */
  id: string;
  user_id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  revoked_at: string | null;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  /** SHA-256 of the token's secret part. */
  secret_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface FlowcastDatabase {
  workflows: WorkflowsTable;
  events: EventsTable;
  settings: SettingsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
}
