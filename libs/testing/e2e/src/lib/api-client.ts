import type {
  StoredEvent,
  WorkflowDefinition,
  WorkflowDetail,
  WorkflowEventsResponse,
} from '@flowcast/shared-contract';

import { SseReader } from './sse-reader';

export interface JsonResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** A small JSON client for the REST API (Node's fetch). */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  /** Logs in with a password and returns a client that uses a fresh personal API token. */
  static async asUser(baseUrl: string, username: string, password: string): Promise<ApiClient> {
    const anonymous = new ApiClient(baseUrl);
    const login = await anonymous.request('POST', '/api/auth/login', { username, password });
    if (login.status !== 200) throw new Error(`login as ${username} answered ${login.status}`);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    const token = await anonymous.request<{ token: string }>(
      'POST',
      '/api/auth/tokens',
      { name: 'e2e' },
      { Cookie: cookie, 'X-Requested-With': 'flowcast' },
    );
    if (token.status !== 201) throw new Error(`token for ${username} answered ${token.status}`);
    return new ApiClient(baseUrl, token.body.token);
  }

  get authHeaders(): Record<string, string> {
    return this.token ? { Authorization: `Bearer ${this.token}` } : {};
  }

  /** Opens a stream with this client's credentials. */
  stream(path: string, headers: Record<string, string> = {}): SseReader {
    return new SseReader(`${this.baseUrl}${path}`, { ...this.authHeaders, ...headers });
  }

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<JsonResponse<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...this.authHeaders,
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as T,
    };
  }

  async create(definition: WorkflowDefinition, start = false): Promise<WorkflowDetail> {
    const response = await this.request<WorkflowDetail>(
      'POST',
      `/api/workflows${start ? '?start=true' : ''}`,
      definition,
    );
    if (response.status !== 201)
      throw new Error(`create answered ${response.status}: ${JSON.stringify(response.body)}`);
    return response.body;
  }

  async get(id: string): Promise<WorkflowDetail> {
    return (await this.request<WorkflowDetail>('GET', `/api/workflows/${id}`)).body;
  }

  /** Every stored event, read page by page. */
  async allEvents(id: string): Promise<StoredEvent[]> {
    const all: StoredEvent[] = [];
    for (;;) {
      const after = all.length ? all[all.length - 1].id : 0;
      const page = await this.request<WorkflowEventsResponse>(
        'GET',
        `/api/workflows/${id}/events?after=${after}&limit=1000`,
      );
      all.push(...page.body.items);
      if (page.body.items.length < 1000) return all;
    }
  }

  /** Waits for the workflow's final state by watching its stream, which ends after the final event. */
  async waitForEnd(id: string, timeoutMs = 30_000): Promise<WorkflowDetail> {
    const reader = this.stream(`/api/workflows/${id}/stream`);
    const timer = setTimeout(() => reader.close(), timeoutMs);
    await reader.done;
    clearTimeout(timer);
    const workflow = await this.get(id);
    if (!['completed', 'failed', 'cancelled'].includes(workflow.status)) {
      throw new Error(`workflow ${id} still ${workflow.status} after ${timeoutMs} ms`);
    }
    return workflow;
  }
}

export function simulatedAgent(
  name: string,
  runner: Partial<{ durationMs: number; cost: number; progressMessages: number; fail: boolean }> = {},
) {
  return {
    name,
    role: 'developer',
    prompt: `do ${name}`,
    runner: { type: 'simulated' as const, durationMs: 50, progressMessages: 1, ...runner },
  };
}
