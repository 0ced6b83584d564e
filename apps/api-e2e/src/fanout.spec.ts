import { ApiClient, removeDir, RunningServer, simulatedAgent, startServer } from '@flowcast/testing-e2e';

describe('fan-out to many clients', () => {
  let server: RunningServer;
  let api: ApiClient;

  beforeAll(async () => {
    server = await startServer({
      env: {
        LOG_BATCH_THRESHOLD: '1000000',
        SSE_MAX_BUFFER_BYTES: '65536',
        SSE_CLOSE_GRACE_MS: '200',
        SSE_MAX_STREAMS_PER_USER: '1000',
      },
    });
    api = server.api;
  });
  afterAll(async () => {
    await server.stop();
    removeDir(server.dataDir);
  });

  it('gives each of 200 clients on one workflow every event, in order, once', async () => {
    const workflow = await api.create({
      name: 'fan-out',
      agents: [
        simulatedAgent('a', { durationMs: 1_000, progressMessages: 200 }),
        simulatedAgent('b', { durationMs: 500, progressMessages: 50 }),
      ],
    });
    const readers = Array.from({ length: 200 }, () => server.stream(`/api/workflows/${workflow.id}/stream`));
    await Promise.all(readers.map((reader) => reader.waitFor((r) => r.events.length >= 2)));
    await api.request('POST', `/api/workflows/${workflow.id}/start`);
    await Promise.all(readers.map((reader) => reader.done));
    const expected = (await api.allEvents(workflow.id)).map((event) => event.id);
    expect(expected.length).toBeGreaterThan(250);
    for (const reader of readers) {
      expect(reader.status).toBe(200);
      // The snapshot's agent:state carries id 0; then every stored event follows.
      expect(reader.ids).toEqual([0, ...expected]);
    }
  });

  it('cuts off a client that stops reading while the others keep their pace', async () => {
    const workflow = await api.create({
      name: 'slow-client',
      agents: [simulatedAgent('flood', { durationMs: 1_500, progressMessages: 30_000 })],
    });
    const slow = server.stream(`/api/workflows/${workflow.id}/stream`);
    const fast = Array.from({ length: 5 }, () => server.stream(`/api/workflows/${workflow.id}/stream`));
    await Promise.all([slow, ...fast].map((reader) => reader.waitFor((r) => r.events.length >= 2)));
    slow.pause();
    await api.request('POST', `/api/workflows/${workflow.id}/start`);

    await Promise.all(fast.map((reader) => reader.done));
    const final = await api.get(workflow.id);
    const expected = (await api.allEvents(workflow.id)).map((event) => event.id);
    expect(expected.length).toBeGreaterThan(25_000);
    for (const reader of fast) {
      expect(reader.ids).toEqual([0, ...expected]);
      expect(reader.events[reader.events.length - 1].event).toBe('workflow:completed');
    }
    // The readers kept pace: the stream ended within the close grace (plus slack) of the workflow's end.
    expect(Date.now() - Date.parse(final.completedAt ?? '')).toBeLessThan(2_000);

    // The slow client, read again, finds its stream cut short: a prefix of the events, never the end.
    slow.resume();
    await slow.done;
    const seen = slow.ids.filter((id) => id > 0);
    expect(seen.length).toBeLessThan(expected.length);
    expect(seen).toEqual(expected.slice(0, seen.length));
    expect(slow.events.some((event) => event.event === 'workflow:completed')).toBe(false);

    // The dropped client resumes by id and gets the rest.

    const resumed = server.stream(`/api/workflows/${workflow.id}/stream`, {
      'Last-Event-ID': String(seen[seen.length - 1] ?? 0),
    });
    await resumed.done;
    expect([...seen, ...resumed.ids]).toEqual(expected);
  });
});
