import {
  type CreateTokenResponse,
  type WorkflowListResponse,
  type WorkflowState,
  workflowSummary,
} from '@flowcast/shared-contract';
import {
  ApiClient,
  removeDir,
  type RunningServer,
  type SseMessage,
  SseReader,
  simulatedAgent,
  startServer,
} from '@flowcast/testing-e2e';

jest.setTimeout(60_000);

const LIST = '/api/workflows/stream';

type Parsed = { id?: string; event: string; data: Record<string, unknown> };

function parsed(reader: SseReader): Parsed[] {
  return reader.events.map((event: SseMessage) => ({
    id: event.id,
    event: event.event,
    data: JSON.parse(event.data) as Record<string, unknown>,
  }));
}

/** The events of one workflow on a list stream (created and updated), in order. */
function changesOf(reader: SseReader, workflowId: string): Parsed[] {
  return parsed(reader).filter((event) => event.data['id'] === workflowId);
}

function withoutTs(data: Record<string, unknown>): Record<string, unknown> {
  const { ts: _ts, ...rest } = data;
  return rest;
}

describe('the workflows list stream', () => {
  let server: RunningServer;
  let admin: ApiClient;
  let alice: ApiClient;

  beforeAll(async () => {
    server = await startServer({ env: { SSE_HEARTBEAT_MS: '500', SSE_MAX_STREAMS_PER_USER: '3' } });
    admin = server.api;
    const created = await admin.request('POST', '/api/users', {
      username: 'alice',
      password: 'alice-password',
      role: 'member',
    });
    expect(created.status).toBe(201);
    alice = await ApiClient.asUser(server.url, 'alice', 'alice-password');
  });
  afterAll(async () => {
    await server.stop();
    removeDir(server.dataDir);
  });

  it('sends the first page, then a created workflow and its changes live, ending on its final state', async () => {
    const earlier = await admin.create({ name: 'earlier', agents: [simulatedAgent('a')] });
    const reader = admin.stream(LIST);
    await reader.waitFor((r) => r.events.length >= 1);
    expect(reader.status).toBe(200);
    const [first] = parsed(reader);
    expect(first.event).toBe('workflow:list');
    expect(first.id).toMatch(/^[A-Za-z0-9_-]+\.\d+$/);
    const page = (await admin.request<WorkflowListResponse>('GET', '/api/workflows')).body;
    expect(withoutTs(first.data)).toEqual(page);
    expect((first.data['items'] as WorkflowState[])[0].id).toBe(earlier.id);

    // Progress and cost for about three seconds: updates between status changes at most one a second.
    const workflow = await admin.create(
      {
        name: 'live',
        agents: [
          simulatedAgent('dev', { durationMs: 2_500, progressMessages: 25, cost: 2 }),
          simulatedAgent('review', { durationMs: 300 }),
        ],
      },
      true,
    );
    await reader.waitFor((r) =>
      changesOf(r, workflow.id).some((event) => event.data['status'] === 'completed'),
    );
    const changes = changesOf(reader, workflow.id);
    expect(changes[0].event).toBe('workflow:created');
    expect(changes[0].data).toMatchObject({ id: workflow.id, name: 'live', status: 'pending' });
    expect(changes.slice(1).every((event) => event.event === 'workflow:updated')).toBe(true);
    const final = changes[changes.length - 1];
    const detail = await admin.get(workflow.id);
    expect(withoutTs(final.data)).toEqual(workflowSummary(detail));
    // Ids grow; a status change goes out at once, anything else at most once a second per workflow.
    const timed = reader.timedEvents.filter(
      (entry) => (JSON.parse(entry.message.data) as { id?: string }).id === workflow.id,
    );
    for (let index = 1; index < timed.length; index++) {
      const before = JSON.parse(timed[index - 1].message.data) as WorkflowState;
      const now = JSON.parse(timed[index].message.data) as WorkflowState;
      if (before.status === now.status) {
        expect(timed[index].at - timed[index - 1].at).toBeGreaterThanOrEqual(900);
      }
    }
    const ids = parsed(reader).map((event) => Number(event.id?.split('.')[1]));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(changes.length).toBeGreaterThanOrEqual(4); // created, running, a cost update, completed
    reader.close();
  });

  it('shows a member only their own workflows; an admin sees them all', async () => {
    const mine = alice.stream(LIST);
    const everyone = admin.stream(LIST);
    await mine.waitFor((r) => r.events.length >= 1);
    await everyone.waitFor((r) => r.events.length >= 1);
    const [page] = parsed(mine);
    expect(page.data['items']).toEqual([]);
    const adminOwn = await admin.create({ name: 'admin only', agents: [simulatedAgent('a')] });
    const alices = await alice.create({ name: 'alice’s', agents: [simulatedAgent('a')] });
    await everyone.waitFor((r) => changesOf(r, alices.id).length > 0);
    await mine.waitFor((r) => changesOf(r, alices.id).length > 0);
    expect(changesOf(everyone, adminOwn.id).map((event) => event.event)).toEqual(['workflow:created']);
    expect(changesOf(mine, adminOwn.id)).toEqual([]);
    expect(parsed(mine).map((event) => event.event)).toEqual(['workflow:list', 'workflow:created']);
    mine.close();
    everyone.close();
  });

  it('resumes after the last id it got with exactly the changes since; another process’s id gets a reset', async () => {
    const reader = admin.stream(LIST);
    await reader.waitFor((r) => r.events.length >= 1);
    const a = await admin.create({ name: 'resume a', agents: [simulatedAgent('a')] });
    await reader.waitFor((r) => changesOf(r, a.id).length > 0);
    const lastId = reader.events[reader.events.length - 1].id as string;
    reader.close();

    const b = await admin.create({ name: 'resume b', agents: [simulatedAgent('b')] });
    const c = await admin.create({ name: 'resume c', agents: [simulatedAgent('c')] });
    const resumed = admin.stream(LIST, { 'Last-Event-ID': lastId });
    await resumed.waitFor((r) => changesOf(r, c.id).length > 0);
    expect(parsed(resumed).map((event) => [event.event, event.data['id']])).toEqual([
      ['workflow:created', b.id],
      ['workflow:created', c.id],
    ]);
    resumed.close();

    const query = admin.stream(`${LIST}?lastEventId=${encodeURIComponent(lastId)}`);
    await query.waitFor((r) => changesOf(r, c.id).length > 0);
    expect(parsed(query)[0]).toMatchObject({ event: 'workflow:created', data: { id: b.id } });
    query.close();

    const foreign = admin.stream(LIST, { 'Last-Event-ID': 'elsewhere.12' });
    await foreign.waitFor((r) => r.events.length >= 2);
    const [reset, list] = parsed(foreign);
    expect(reset).toMatchObject({
      event: 'stream:reset',
      data: { requestedId: 'elsewhere.12', reason: 'unknown-id', latestId: list.id },
    });
    expect(list.event).toBe('workflow:list');
    foreign.close();
  });

  it('counts against the per-user stream cap and ends when its token is revoked', async () => {
    const token = await alice.request<CreateTokenResponse>('POST', '/api/auth/tokens', { name: 'list' });
    const headers = { Authorization: `Bearer ${token.body.token}` };
    const readers = [1, 2, 3].map(() => new SseReader(`${server.url}${LIST}`, headers));
    for (const reader of readers) await reader.waitFor((r) => r.events.length >= 1);
    const fourth = new SseReader(`${server.url}${LIST}`, headers);
    await fourth.done;
    expect(fourth.status).toBe(429);
    const started = Date.now();
    expect((await alice.request('DELETE', `/api/auth/tokens/${token.body.id}`)).status).toBe(204);
    await Promise.all(readers.map((reader) => reader.done));
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const reader of readers)
      expect(reader.items[reader.items.length - 1]).toMatchObject({ kind: 'retry' });
  });

  it('refuses what it does not take, as JSON, and leaves `GET /api/workflows/:id` alone', async () => {
    const unknown = await admin.request<{ statusCode: number; fields: { field: string }[] }>(
      'GET',
      `${LIST}?types=log:*`,
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.fields.map((field) => field.field)).toEqual(['types']);
    const long = await admin.request('GET', `${LIST}?lastEventId=${'x'.repeat(101)}`);
    expect(long.status).toBe(400);
    expect((await new ApiClient(server.url).request('GET', LIST)).status).toBe(401);
    const workflow = await admin.create({ name: 'still there', agents: [simulatedAgent('a')] });
    expect((await admin.get(workflow.id)).name).toBe('still there');
  });
});
