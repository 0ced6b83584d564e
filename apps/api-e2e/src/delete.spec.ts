import type { ErrorResponse } from '@flowcast/shared-contract';
import {
  ApiClient,
  removeDir,
  type RunningServer,
  SseReader,
  simulatedAgent,
  startServer,
} from '@flowcast/testing-e2e';

jest.setTimeout(60_000);

describe('DELETE /api/workflows/:id', () => {
  let server: RunningServer;
  let admin: ApiClient;
  let alice: ApiClient;
  let bob: ApiClient;

  beforeAll(async () => {
    server = await startServer({ env: { SSE_CLOSE_GRACE_MS: '100', SSE_HEARTBEAT_MS: '500' } });
    admin = server.api;
    for (const username of ['alice', 'bob']) {
      const created = await admin.request('POST', '/api/users', {
        username,
        password: `${username}-password`,
        role: 'member',
      });
      expect(created.status).toBe(201);
    }
    alice = await ApiClient.asUser(server.url, 'alice', 'alice-password');
    bob = await ApiClient.asUser(server.url, 'bob', 'bob-password');
  });
  afterAll(async () => {
    await server.stop();
    removeDir(server.dataDir);
  });

  const quick = (name: string) => ({ name, agents: [simulatedAgent('dev', { durationMs: 50, cost: 0.1 })] });
  const stream = (client: ApiClient, id: string, headers: Record<string, string> = {}) =>
    new SseReader(`${server.url}/api/workflows/${id}/stream`, { ...client.authHeaders, ...headers });

  it('deletes a finished workflow and its events: every route then answers 404, a resume too', async () => {
    const created = await alice.create(quick('finished'), true);
    await alice.waitForEnd(created.id);
    const events = await alice.allEvents(created.id);
    expect(events.length).toBeGreaterThan(3);

    const deleted = await alice.request('DELETE', `/api/workflows/${created.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();

    for (const path of ['', '/events', '/logs', '/logs/download']) {
      expect((await alice.request('GET', `/api/workflows/${created.id}${path}`)).status).toBe(404);
    }
    expect((await alice.request('POST', `/api/workflows/${created.id}/rerun`)).status).toBe(404);
    const resumed = stream(alice, created.id, { 'Last-Event-ID': '1' });
    await resumed.done;
    expect(resumed.status).toBe(404);
    expect((await alice.request('DELETE', `/api/workflows/${created.id}`)).status).toBe(404);
    const list = await alice.request<{ items: { id: string }[] }>('GET', '/api/workflows');
    expect(list.body.items.map((item) => item.id)).not.toContain(created.id);
  });

  it('refuses a running workflow with 409 and deletes it once cancelled; a pending one at once', async () => {
    const running = await alice.create(
      { name: 'long', agents: [simulatedAgent('dev', { durationMs: 60_000, progressMessages: 200 })] },
      true,
    );
    const watching = stream(alice, running.id);
    await watching.waitFor((reader) => reader.events.some((event) => event.event === 'agent:progress'));
    watching.close();
    const refused = await alice.request<ErrorResponse>('DELETE', `/api/workflows/${running.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/cancel it first/);
    expect((await alice.request('GET', `/api/workflows/${running.id}`)).status).toBe(200);

    expect((await alice.request('POST', `/api/workflows/${running.id}/cancel`)).status).toBe(202);
    await alice.waitForEnd(running.id);
    expect((await alice.request('DELETE', `/api/workflows/${running.id}`)).status).toBe(204);

    const pending = await alice.create(quick('never started'));
    expect((await alice.request('DELETE', `/api/workflows/${pending.id}`)).status).toBe(204);
    expect((await alice.request('POST', `/api/workflows/${pending.id}/start`)).status).toBe(404);
  });

  it('lets the owner or an admin delete, and answers anyone else as if there were no such workflow', async () => {
    const mine = await alice.create(quick('alice’s'));
    expect((await bob.request('DELETE', `/api/workflows/${mine.id}`)).status).toBe(404);
    expect((await alice.request('GET', `/api/workflows/${mine.id}`)).status).toBe(200);
    expect((await admin.request('DELETE', `/api/workflows/${mine.id}`)).status).toBe(204);
    expect((await alice.request('GET', `/api/workflows/${mine.id}`)).status).toBe(404);
    expect((await alice.request('DELETE', '/api/workflows/not-an-id')).status).toBe(400);
  });

  it('ends the open streams of a deleted workflow and takes it off the list streams', async () => {
    const pending = await alice.create(quick('watched'));
    const watching = stream(alice, pending.id);
    await watching.waitFor((reader) => reader.events.some((event) => event.event === 'workflow:state'));
    const list = new SseReader(`${server.url}/api/workflows/stream`, alice.authHeaders);
    await list.waitFor((reader) => reader.events.some((event) => event.event === 'workflow:list'));

    expect((await alice.request('DELETE', `/api/workflows/${pending.id}`)).status).toBe(204);
    await watching.done;
    expect(watching.ended).toBe(true);
    await list.waitFor((reader) =>
      reader.events.some((event) => event.event === 'workflow:deleted' && event.data.includes(pending.id)),
    );
    const deletedEvent = list.events.find((event) => event.event === 'workflow:deleted');
    expect(JSON.parse(deletedEvent?.data ?? '{}')).toMatchObject({ id: pending.id });
    list.close();
    // Reconnecting is answered 404: the client learns the workflow is gone.
    const again = stream(alice, pending.id);
    await again.done;
    expect(again.status).toBe(404);
  });
});
