import { connect } from 'node:net';
import {
  reduceWorkflow,
  seedWorkflow,
  type StreamEvent,
  type WorkflowDetail,
} from '@flowcast/shared-contract';
import {
  ApiClient,
  removeDir,
  RunningServer,
  simulatedAgent,
  SseReader,
  startServer,
} from '@flowcast/testing-e2e';

describe('GET /api/workflows/:id/stream', () => {
  let server: RunningServer;
  let api: ApiClient;
  const readers: SseReader[] = [];
  const open = (path: string, headers?: Record<string, string>) => {
    const reader = server.stream(path, headers);
    readers.push(reader);
    return reader;
  };

  beforeAll(async () => {
    server = await startServer({
      env: { SSE_HEARTBEAT_MS: '400', SSE_CLOSE_GRACE_MS: '300', SSE_RETRY_MS: '1500' },
    });
    api = server.api;
  });
  afterEach(() => readers.splice(0).forEach((reader) => reader.close()));
  afterAll(async () => {
    await server.stop();
    removeDir(server.dataDir);
  });

  it('answers with the SSE headers, the connected comment and the retry hint', async () => {
    const workflow = await api.create({ name: 'headers', agents: [simulatedAgent('a')] });
    const reader = open(`/api/workflows/${workflow.id}/stream`);
    await reader.waitFor((r) => r.events.length >= 2);
    expect(reader.status).toBe(200);
    expect(reader.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(reader.headers['cache-control']).toMatch(/no-cache/);
    expect(reader.headers['connection']).toBe('keep-alive');
    expect(reader.headers['x-accel-buffering']).toBe('no');
    expect(reader.items[0]).toEqual({ kind: 'comment', text: `connected to workflow ${workflow.id}` });
    expect(reader.items[1]).toEqual({ kind: 'retry', ms: 1500 });
  });

  it('opens with the snapshot, only its last event carrying the latest id, then streams live events in order', async () => {
    const workflow = await api.create({
      name: 'snapshot',
      agents: [
        simulatedAgent('first', { durationMs: 400, progressMessages: 4 }),
        simulatedAgent('second', { durationMs: 300 }),
      ],
    });
    const reader = open(`/api/workflows/${workflow.id}/stream`);
    await reader.waitFor((r) => r.events.length >= 2);
    expect(reader.events.map((event) => event.event)).toEqual(['workflow:state', 'agent:state']);
    expect(reader.events[0].id).toBeUndefined();
    expect(reader.events[1].id).toBe('0');

    expect((await api.request('POST', `/api/workflows/${workflow.id}/start`)).status).toBe(202);
    await reader.waitForEvent('workflow:completed');
    await reader.done;
    const live = reader.events.slice(2);
    expect(live.map((event) => Number(event.id))).toEqual(live.map((_, index) => index + 1));
    const stored = await api.allEvents(workflow.id);
    expect(
      live.map((event) => ({ id: Number(event.id), type: event.event, data: JSON.parse(event.data) })),
    ).toEqual(stored);

    // Folding the stream through the shared reducer gives exactly what GET returns.
    let view: WorkflowDetail = seedWorkflow({
      id: workflow.id,
      name: 'placeholder',
      createdAt: workflow.createdAt,
      maxIterations: 1,
      budgetLimit: null,
      agents: [],
    });
    for (const event of reader.events) {
      view = reduceWorkflow(view, {
        id: event.id === undefined ? undefined : Number(event.id),
        type: event.event,
        data: JSON.parse(event.data),
      } as StreamEvent);
    }
    expect(view).toEqual(await api.get(workflow.id));
  });

  it('sends the last 50 log lines in the snapshot of a finished workflow, then ends after the close grace', async () => {
    const workflow = await api.create(
      { name: 'logs', agents: [simulatedAgent('chatty', { durationMs: 300, progressMessages: 70 })] },
      true,
    );
    await api.waitForEnd(workflow.id);
    const final = await api.get(workflow.id);
    const started = Date.now();
    const reader = open(`/api/workflows/${workflow.id}/stream`);
    await reader.done;
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const types = reader.events.map((event) => event.event);
    expect(types.slice(0, 2)).toEqual(['workflow:state', 'agent:state']);
    expect(types.slice(2)).toEqual(Array(50).fill('log:created'));
    expect(reader.events.filter((event) => event.id !== undefined)).toEqual([
      reader.events[reader.events.length - 1],
    ]);
    expect(reader.events[reader.events.length - 1].id).toBe(String(final.lastEventId));
    const logs = (
      await api.request<{ items: { message: string }[] }>(
        'GET',
        `/api/workflows/${workflow.id}/logs?limit=1000`,
      )
    ).body.items;
    expect(reader.events.slice(2).map((event) => JSON.parse(event.data).message)).toEqual(
      logs.slice(-50).map((line) => line.message),
    );
    expect(JSON.parse(reader.events[0].data)).toMatchObject({
      id: workflow.id,
      status: 'completed',
      workflowId: workflow.id,
    });
  });

  it('serves two stream requests pipelined on one connection one after the other, each whole', async () => {
    const workflow = await api.create(
      { name: 'pipelined', agents: [simulatedAgent('a', { durationMs: 100, progressMessages: 3 })] },
      true,
    );
    const final = await api.waitForEnd(workflow.id);
    const created = await api.request<{ token: string }>('POST', '/api/auth/tokens', { name: 'pipelined' });
    const request = `GET /api/workflows/${workflow.id}/stream HTTP/1.1\r\nHost: flowcast\r\nAuthorization: Bearer ${created.body.token}\r\n\r\n`;
    const socket = connect(server.port, '127.0.0.1');
    let raw = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (raw += chunk));
    // The second response waits for the first (which ends after the close grace), then uses the same socket.
    socket.write(request + request);
    const deadline = Date.now() + 10_000;
    while ((raw.match(/\r\n0\r\n\r\n/g) ?? []).length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    socket.destroy();
    const responses = raw.split('HTTP/1.1 200 OK\r\n').slice(1);
    expect(responses).toHaveLength(2);
    for (const response of responses) {
      expect(response).toMatch(/transfer-encoding: chunked/i);
      expect(response).toContain(`: connected to workflow ${workflow.id}\n\nretry: 1500\n\n`);
      expect(response).toContain('event: workflow:state\n');
      expect(response).toContain(`id: ${final.lastEventId}\nevent: log:created\n`);
      expect(response.endsWith('\r\n0\r\n\r\n')).toBe(true);
    }
  });

  it('writes a heartbeat comment whenever the stream has been silent for SSE_HEARTBEAT_MS', async () => {
    const workflow = await api.create({ name: 'idle', agents: [simulatedAgent('a')] });
    const reader = open(`/api/workflows/${workflow.id}/stream`);
    const opened = Date.now();
    await reader.waitFor((r) => r.comments.filter((comment) => comment.startsWith('heartbeat')).length >= 3);
    expect(reader.comments.filter((comment) => comment.startsWith('heartbeat'))).toEqual([
      'heartbeat 1',
      'heartbeat 2',
      'heartbeat 3',
    ]);
    // Three heartbeats in at most ~3 intervals, never more than one interval of silence between them.
    expect(Date.now() - opened).toBeLessThan(3 * 400 + 400);
  });

  it('answers JSON errors before any stream byte: 400 for a malformed id, 404 for an unknown one', async () => {
    const malformed = await api.request<{ fields: { field: string }[] }>('GET', '/api/workflows/12/stream');
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toMatch(/application\/json/);
    expect(malformed.body.fields[0].field).toBe('id');
    const missing = await api.request('GET', '/api/workflows/wf_AAAAAAAAAAAAAAAA/stream');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/application\/json/);
    const badFilter = await api.request<{ fields: { field: string }[] }>(
      'GET',
      `/api/workflows/wf_AAAAAAAAAAAAAAAA/stream?types=${encodeURIComponent('agent:**')}`,
    );
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.fields[0].field).toBe('types');
  });

  it('refuses unknown, repeated or over-long query options by name, and takes only GET', async () => {
    const workflow = await api.create({ name: 'query', agents: [simulatedAgent('a')] });
    const path = `/api/workflows/${workflow.id}/stream`;
    const unknown = await api.request<{ fields: { field: string; errors: string[] }[] }>(
      'GET',
      `${path}?since=3`,
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.fields).toEqual([{ field: 'since', errors: ['since is not an allowed field'] }]);
    const twice = await api.request<{ fields: { field: string }[] }>(
      'GET',
      `${path}?lastEventId=1&lastEventId=2`,
    );
    expect(twice.status).toBe(400);
    expect(twice.body.fields.map((field) => field.field)).toEqual(['lastEventId']);
    const long = await api.request('GET', `${path}?types=${'x'.repeat(1_001)}`);
    expect(long.status).toBe(400);
    for (const method of ['POST', 'HEAD', 'DELETE']) {
      expect({ method, status: (await api.request(method, path)).status }).toEqual({ method, status: 404 });
    }
    // Matched as the router matched it: a trailing slash, any letter case.
    const slash = open(`${path}/`);
    await slash.waitFor((r) => r.events.length >= 2);
    slash.close();
    const upper = open(`/API/Workflows/${workflow.id}/STREAM`);
    await upper.waitFor((r) => r.events.length >= 2);
    expect(upper.events[0].event).toBe('workflow:state');
    upper.close();
  });

  it('keeps only the requested types live and in replay, snapshot events always included', async () => {
    const workflow = await api.create({
      name: 'filter',
      agents: [simulatedAgent('a', { durationMs: 200, progressMessages: 3 }), simulatedAgent('b')],
    });
    const live = open(`/api/workflows/${workflow.id}/stream?types=agent:*,workflow:completed`);
    await live.waitFor((r) => r.events.length >= 2);
    await api.request('POST', `/api/workflows/${workflow.id}/start`);
    await live.done;
    const stored = await api.allEvents(workflow.id);
    const wanted = stored.filter(
      (event) => event.type.startsWith('agent:') || event.type === 'workflow:completed',
    );
    expect(live.events.slice(0, 2).map((event) => event.event)).toEqual(['workflow:state', 'agent:state']);
    expect(live.events.slice(2).map((event) => Number(event.id))).toEqual(wanted.map((event) => event.id));

    const resumeAt = wanted[1].id;
    const replay = open(`/api/workflows/${workflow.id}/stream?types=agent:*,workflow:completed`, {
      'Last-Event-ID': String(resumeAt),
    });
    await replay.done;
    expect(replay.events.map((event) => Number(event.id))).toEqual(
      wanted.filter((event) => event.id > resumeAt).map((event) => event.id),
    );
  });

  it('answers 204 to a resume of a finished workflow with nothing newer', async () => {
    const workflow = await api.create({ name: 'done', agents: [simulatedAgent('a')] }, true);
    const final = await api.waitForEnd(workflow.id);
    const reader = open(`/api/workflows/${workflow.id}/stream`, {
      'Last-Event-ID': String(final.lastEventId),
    });
    await reader.done;
    expect(reader.status).toBe(204);
    expect(reader.body).toBe('');
    // The same when the filter leaves nothing after the id.
    const filtered = open(`/api/workflows/${workflow.id}/stream?types=budget:*`, { 'Last-Event-ID': '1' });
    await filtered.done;
    expect(filtered.status).toBe(204);
  });

  it.each([
    ['a number beyond the latest id', '99999'],
    ['not a number', 'abc'],
    ['a timestamp-looking id with a sign', '-1'],
  ])('sends stream:reset and a fresh snapshot for a cursor that is %s', async (_label, cursor) => {
    const workflow = await api.create({ name: 'reset', agents: [simulatedAgent('a')] }, true);
    const final = await api.waitForEnd(workflow.id);
    const reader = open(`/api/workflows/${workflow.id}/stream`, { 'Last-Event-ID': cursor });
    await reader.done;
    expect(reader.status).toBe(200);
    expect(reader.events.map((event) => event.event).slice(0, 3)).toEqual([
      'stream:reset',
      'workflow:state',
      'agent:state',
    ]);
    expect(JSON.parse(reader.events[0].data)).toMatchObject({
      requestedId: cursor,
      latestId: final.lastEventId,
      reason: 'unknown-id',
    });
    expect(reader.events[0].id).toBeUndefined();
    expect(reader.events[reader.events.length - 1].id).toBe(String(final.lastEventId));
  });

  it('resumes from ?lastEventId= and lets the Last-Event-ID header win when both are sent', async () => {
    const workflow = await api.create(
      { name: 'cursor', agents: [simulatedAgent('a', { progressMessages: 3 })] },
      true,
    );
    const final = await api.waitForEnd(workflow.id);
    const byQuery = open(`/api/workflows/${workflow.id}/stream?lastEventId=3`);
    await byQuery.done;
    expect(byQuery.ids[0]).toBe(4);
    expect(byQuery.ids[byQuery.ids.length - 1]).toBe(final.lastEventId);
    const both = open(`/api/workflows/${workflow.id}/stream?lastEventId=3`, { 'Last-Event-ID': '5' });
    await both.done;
    expect(both.ids[0]).toBe(6);
  });
});
