import { Pool } from 'pg';
import { type StoredEvent, type WorkflowDefinition, workflowSummary } from '@flowcast/shared-contract';
import {
  ApiClient,
  createTestDatabase,
  removeDir,
  type RunningRedis,
  type RunningServer,
  SseReader,
  simulatedAgent,
  startRedis,
  startServer,
  type TestDatabase,
} from '@flowcast/testing-e2e';

jest.setTimeout(120_000);

/**
 * Two real instances (different ports) on one fresh PostgreSQL database and a Redis of the test's own
 * (started and killed by the test, never the machine's), talking to each other only through those.
 */
describe('a cluster of two instances on PostgreSQL and Redis', () => {
  let database: TestDatabase;
  let redis: RunningRedis;
  let pg: Pool;
  const servers: RunningServer[] = [];

  const env = () => ({
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    SSE_HEARTBEAT_MS: '500',
    SSE_CLOSE_GRACE_MS: '200',
    SSE_RETRY_MS: '100',
    SSE_MAX_STREAMS_PER_USER: '6',
    LOG_BATCH_THRESHOLD: '1000000',
    WORKFLOW_CONCURRENCY: '4',
  });

  const boot = async (name: string): Promise<RunningServer> => {
    const server = await startServer({ env: { ...env(), INSTANCE_ID: name } });
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await startRedis();
    pg = new Pool({ connectionString: database.url, max: 2 });
    // One after the other: the first creates the admin and the session secret, the second finds them.
    await boot('alpha');
    await boot('beta');
  });

  afterAll(async () => {
    for (const server of servers) {
      await server.kill();
      removeDir(server.dataDir);
    }
    await pg?.end();
    await redis?.stop();
    await database?.drop();
  });

  const [a, b] = [() => servers[0], () => servers[1]];

  /** The instance that claimed the workflow (from the store), as one of the servers. */
  async function runnerOf(id: string): Promise<RunningServer> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const { rows } = await pg.query<{ runner: string | null }>(
        'select runner from workflows where id = $1',
        [id],
      );
      const runner = rows[0]?.runner;
      if (runner) {
        const server = servers.find((candidate) => candidate.output().includes(`cluster instance ${runner}`));
        if (server) return server;
        throw new Error(`runner ${runner} is none of the servers`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`workflow ${id} was never claimed`);
  }

  const longRun = (name: string, durationMs = 3_000): WorkflowDefinition => ({
    name,
    agents: [
      simulatedAgent('writer', { durationMs, progressMessages: 40, cost: 0.4 }),
      simulatedAgent('reviewer', { durationMs: durationMs / 2, progressMessages: 20, cost: 0.2 }),
    ],
  });

  /** A full replay-then-live stream (Last-Event-ID 0): every stored event by id. */
  const watch = (server: RunningServer, id: string): SseReader =>
    server.stream(`/api/workflows/${id}/stream`, { 'Last-Event-ID': '0' });

  const expectExactly = (reader: SseReader, stored: StoredEvent[]) => {
    expect(reader.ids).toEqual(stored.map((event) => event.id));
    expect(reader.events.map((event) => event.event)).toEqual(stored.map((event) => event.type));
    expect(reader.events.map((event) => JSON.parse(event.data))).toEqual(stored.map((event) => event.data));
  };

  it('reports the store and Redis in its health check', async () => {
    for (const server of servers) {
      const health = await server.api.request('GET', '/api/health');
      expect(health).toMatchObject({ status: 200, body: { status: 'ok', store: 'ok', redis: 'ok' } });
    }
  });

  it('delivers a workflow run by one instance to clients on both, every stored event exactly once, in order', async () => {
    const workflow = await a().api.create(longRun('watched everywhere', 1_500));
    const readers = [a(), b(), a(), b()].map((server) => watch(server, workflow.id));
    await Promise.all(readers.map((reader) => reader.waitFor((r) => r.status === 200)));
    await a().api.request('POST', `/api/workflows/${workflow.id}/start`);
    await Promise.all(readers.map((reader) => reader.done));
    const stored = await b().api.allEvents(workflow.id);
    expect(stored.length).toBeGreaterThan(60);
    expect(stored[stored.length - 1].type).toBe('workflow:completed');
    for (const reader of readers) expectExactly(reader, stored);
  });

  it('shows a workflow created and run anywhere on the list streams of both instances, ending on its final state', async () => {
    const lists = [a(), b()].map((server) => server.stream('/api/workflows/stream'));
    await Promise.all(lists.map((list) => list.waitFor((r) => r.events.length >= 1)));
    const workflow = await b().api.create(longRun('listed everywhere', 1_000), true);
    const finalOf = (reader: SseReader) =>
      reader.events
        .map((event) => JSON.parse(event.data) as { id?: string; status?: string })
        .filter((data) => data.id === workflow.id);
    await Promise.all(
      lists.map((list) =>
        list.waitFor((r) => finalOf(r).some((data) => data.status === 'completed'), 20_000),
      ),
    );
    const summary = workflowSummary(await a().api.get(workflow.id));
    for (const list of lists) {
      const changes = finalOf(list);
      expect(list.events.find((event) => event.event === 'workflow:created')).toBeDefined();
      const { ts: _ts, ...last } = changes[changes.length - 1] as Record<string, unknown>;
      expect(last).toEqual(summary);
      list.close();
    }
  });

  it('resumes on the other instance with Last-Event-ID: the rest, once, in order', async () => {
    const workflow = await a().api.create(longRun('resumed elsewhere', 2_000), true);
    const runner = await runnerOf(workflow.id);
    const other = runner === a() ? b() : a();
    const first = watch(runner, workflow.id);
    await first.waitFor((r) => r.ids.length >= 15);
    first.close();
    const cursor = first.ids[first.ids.length - 1];
    const rest = other.stream(`/api/workflows/${workflow.id}/stream`, { 'Last-Event-ID': String(cursor) });
    await rest.done;
    const stored = await other.api.allEvents(workflow.id);
    expect([...first.ids, ...rest.ids]).toEqual(stored.map((event) => event.id));
    expect(rest.ids[0]).toBe(cursor + 1);
  });

  it('keeps every client gap-free and repeat-free when Redis is killed and restarted mid-run', async () => {
    const workflow = await a().api.create(longRun('through a Redis outage', 5_000));
    const readers = [a(), b(), b()].map((server) => watch(server, workflow.id));
    await Promise.all(readers.map((reader) => reader.waitFor((r) => r.status === 200)));
    await a().api.request('POST', `/api/workflows/${workflow.id}/start`);
    await Promise.all(readers.map((reader) => reader.waitFor((r) => r.ids.length >= 10)));
    await redis.kill();
    const during = readers.map((reader) => reader.ids.length);
    // While Redis is away, both instances stay up and their streams go on from the store.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const health = await a().api.request('GET', '/api/health');
    expect(health).toMatchObject({
      status: 503,
      body: { status: 'unavailable', store: 'ok', redis: 'down' },
    });
    expect(readers.every((reader, index) => reader.ids.length > during[index] && !reader.ended)).toBe(true);
    await redis.restart();
    await Promise.all(readers.map((reader) => reader.done));
    const stored = await a().api.allEvents(workflow.id);
    expect(stored[stored.length - 1].type).toBe('workflow:completed');
    for (const reader of readers) expectExactly(reader, stored);
    // Live delivery recovers by itself: the next run flows through Redis again.
    await waitUntil(async () => (await a().api.request('GET', '/api/health')).status === 200, 10_000);
    const after = await a().api.create(longRun('after the outage', 600));
    const reader = watch(b(), after.id);
    await reader.waitFor((r) => r.status === 200);
    await a().api.request('POST', `/api/workflows/${after.id}/start`);
    await reader.done;
    expectExactly(reader, await a().api.allEvents(after.id));
  });

  it('cancels through the instance that does not run the agent, within 2 s', async () => {
    const workflow = await a().api.create(longRun('cancelled from afar', 20_000), true);
    const runner = await runnerOf(workflow.id);
    const other = runner === a() ? b() : a();
    const reader = watch(other, workflow.id);
    await reader.waitForEvent('agent:started');
    const asked = Date.now();
    const response = await other.api.request('POST', `/api/workflows/${workflow.id}/cancel`);
    expect(response.status).toBeLessThan(300);
    await reader.waitForEvent('workflow:cancelled', 5_000);
    expect(Date.now() - asked).toBeLessThan(2_000);
    const stored = await other.api.allEvents(workflow.id);
    expect(stored.filter((event) => event.type === 'workflow:cancelled')).toHaveLength(1);
    expect(stored.some((event) => event.type === 'agent:failed')).toBe(true);
  });

  it('runs at most WORKFLOW_CONCURRENCY workflows per instance, the rest waiting in the shared queue', async () => {
    const created = await Promise.all(
      Array.from({ length: 10 }, (_, index) => a().api.create(longRun(`crowd ${index}`, 60_000), true)),
    );
    const ids = created.map((workflow) => workflow.id);
    const claims = async () =>
      (
        await pg.query<{ runner: string; n: string }>(
          'select runner, count(*) as n from workflows where id = any($1) and runner is not null group by runner',
          [ids],
        )
      ).rows.map((row) => Number(row.n));
    // Two instances × WORKFLOW_CONCURRENCY 4: eight run, two wait.
    await waitUntil(async () => (await claims()).reduce((sum, n) => sum + n, 0) === 8, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await claims()).sort()).toEqual([4, 4]);
    const metrics = await fetch(`${a().url}/api/metrics`, { headers: a().api.authHeaders });
    const text = await metrics.text();
    expect(text).toMatch(/^flowcast_run_queue_jobs\{state="waiting"\} 2$/m);
    expect(text).toMatch(/^flowcast_run_queue_jobs\{state="active"\} 8$/m);

    // Redis restarts empty (no persistence): the two waiting runs are queued again when it is back, and
    // start once slots free up.
    await redis.kill();
    await redis.restart();
    for (const server of [a(), b()]) {
      await waitUntil(async () => (await server.api.request('GET', '/api/health')).status === 200, 10_000);
    }
    const waiting = async () =>
      (
        await pg.query<{ id: string }>('select id from workflows where id = any($1) and runner is null', [
          ids,
        ])
      ).rows.map((row) => row.id);
    const stillWaiting = await waiting();
    expect(stillWaiting).toHaveLength(2);
    const running = ids.filter((id) => !stillWaiting.includes(id)).slice(0, 2);
    for (const id of running) await b().api.request('POST', `/api/workflows/${id}/cancel`);
    await waitUntil(async () => (await waiting()).length === 0, 15_000);
    for (const id of ids.filter((id) => !running.includes(id))) {
      expect((await b().api.request('POST', `/api/workflows/${id}/cancel`)).status).toBeLessThan(300);
    }
    await waitUntil(async () => {
      const views = await Promise.all(ids.map((id) => a().api.get(id)));
      return views.every((view) => view.status === 'cancelled');
    }, 10_000);
    for (const id of ids) {
      const stored = await a().api.allEvents(id);
      expect(stored.filter((event) => event.type === 'workflow:cancelled')).toHaveLength(1);
    }
  });

  it('counts in its metrics what crossed between the instances', async () => {
    // Eight runs at once fill both instances (WORKFLOW_CONCURRENCY 4 each), so each runs some; a stream on
    // the other instance of one run of each makes both receive batches live (earlier tests leave that to
    // which instance happened to take their jobs).
    const runs = await Promise.all(
      Array.from({ length: 8 }, (_, index) => a().api.create(longRun(`crossing ${index}`, 2_000), true)),
    );
    const runners = await Promise.all(runs.map((run) => runnerOf(run.id)));
    const crossing = [a(), b()].map((server) => {
      const index = runners.findIndex((runner) => runner === server);
      expect(index).not.toBe(-1);
      const other = server === a() ? b() : a();
      return other.stream(`/api/workflows/${runs[index].id}/stream`);
    });
    await Promise.all(crossing.map((reader) => reader.waitFor((r) => r.ids.length >= 3, 15_000)));
    for (const reader of crossing) reader.close();
    for (const run of runs) await a().api.request('POST', `/api/workflows/${run.id}/cancel`);

    const counters = await Promise.all(
      servers.slice(0, 2).map(async (server) => {
        const text = await (
          await fetch(`${server.url}/api/metrics`, { headers: server.api.authHeaders })
        ).text();
        const value = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
        return {
          published: value('flowcast_cluster_batches_published_total'),
          received: value('flowcast_cluster_batches_received_total'),
          gapFills: value('flowcast_cluster_gap_fills_total'),
          polls: value('flowcast_cluster_store_polls_total'),
        };
      }),
    );
    // Both ran workflows and watched the other's; the Redis outage above made them fill from the store.
    for (const counter of counters) {
      expect(counter.published).toBeGreaterThan(0);
      expect(counter.received).toBeGreaterThan(0);
      expect(counter.polls).toBeGreaterThan(0);
    }
    expect(counters[0].gapFills + counters[1].gapFills).toBeGreaterThan(0);
  });

  /** A new member (a user of their own, so that no other test's streams count against the cap). */
  async function member(
    name: string,
  ): Promise<{ on: (server: RunningServer) => Promise<ApiClient>; password: string }> {
    const password = `${name}-password`;
    const created = await a().api.request('POST', '/api/users', { username: name, password, role: 'member' });
    expect(created.status).toBe(201);
    return { password, on: (server) => ApiClient.asUser(server.url, name, password) };
  }

  it("caps a user's streams across both instances, and frees a slot when a client's socket is destroyed", async () => {
    const carol = await member('carol');
    const [onA, onB] = [await carol.on(a()), await carol.on(b())];
    const workflow = await onA.create(longRun('watched by carol', 60_000));
    const path = `/api/workflows/${workflow.id}/stream`;
    // Six is the cap (SSE_MAX_STREAMS_PER_USER): three here, three there.
    const open = [onA, onB, onA, onB, onA, onB].map((client) => client.stream(path));
    await Promise.all(open.map((reader) => reader.waitFor((r) => r.status === 200)));
    for (const client of [onA, onB]) {
      const refused = client.stream(path);
      await refused.waitFor((r) => r.status !== 0);
      if (refused.status !== 429) refused.close(); // admitted: fail below instead of waiting for its end
      await refused.done;
      expect(refused.status).toBe(429);
      expect(JSON.parse(refused.body)).toMatchObject({
        statusCode: 429,
        message: expect.stringMatching(/At most 6/),
      });
    }
    // A client that vanishes (socket destroyed) on one instance frees a slot usable on the other.
    open[0].res?.socket?.destroy();
    let reopened: SseReader | undefined;
    await waitUntil(async () => {
      const attempt = onB.stream(path);
      await attempt.waitFor((r) => r.status !== 0);
      if (attempt.status === 200) reopened = attempt;
      else await attempt.done;
      return attempt.status === 200;
    }, 5_000);
    for (const reader of [...open, reopened]) reader?.close();
    await onA.request('POST', `/api/workflows/${workflow.id}/cancel`);
  });

  it('closes a stream on one instance within 5 s of a logout on the other', async () => {
    const dave = await member('dave');
    const login = await fetch(`${a().url}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'dave', password: dave.password }),
    });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    const onA = await dave.on(a());
    const workflow = await onA.create(longRun('watched until logout', 60_000));
    const reader = new SseReader(`${b().url}/api/workflows/${workflow.id}/stream`, { Cookie: cookie });
    await reader.waitFor((r) => r.status === 200 && r.events.length > 0);
    const loggedOut = Date.now();
    const logout = await fetch(`${a().url}/api/auth/logout`, {
      method: 'POST',
      headers: { Cookie: cookie, 'X-Requested-With': 'flowcast' },
    });
    expect(logout.status).toBeLessThan(300);
    await reader.done;
    expect(Date.now() - loggedOut).toBeLessThan(5_000);
    // Reconnecting with the dead session is refused on either instance.
    const again = await fetch(`${b().url}/api/workflows/${workflow.id}/stream`, {
      headers: { Cookie: cookie },
    });
    expect(again.status).toBe(401);
  });

  it("closes a user's streams on the other instance within 5 s of a role change, a token revocation or a removal", async () => {
    const grace = await member('grace');
    const created = await a().api.request<{ id: string }>('POST', '/api/users', {
      username: 'heidi',
      password: 'heidi-password',
      role: 'member',
    });
    const heidiId = created.body.id;
    const [onA, heidi] = [await grace.on(a()), await ApiClient.asUser(a().url, 'heidi', 'heidi-password')];
    const users = (await a().api.request<{ items: { id: string; username: string }[] }>('GET', '/api/users'))
      .body.items;
    const graceId = users.find((user) => user.username === 'grace')?.id as string;
    const mine = await onA.create(longRun('watched by grace', 60_000));
    const hers = await heidi.create(longRun('watched by heidi', 60_000));
    const open = (client: ApiClient, id: string) =>
      new SseReader(`${b().url}/api/workflows/${id}/stream`, client.authHeaders);
    const endsWithin5s = async (reader: SseReader, act: () => Promise<{ status: number }>) => {
      await reader.waitFor((r) => r.status === 200 && r.events.length > 0);
      const acted = Date.now();
      expect((await act()).status).toBeLessThan(300);
      await reader.done;
      expect(Date.now() - acted).toBeLessThan(5_000);
    };
    // A role change (through instance a) ends grace's stream on instance b.
    await endsWithin5s(open(onA, mine.id), () =>
      a().api.request('PATCH', `/api/users/${graceId}`, { role: 'admin' }),
    );
    // Revoking the token the stream was opened with.
    const tokens = (await onA.request<{ items: { id: string; name: string }[] }>('GET', '/api/auth/tokens'))
      .body.items;
    await endsWithin5s(open(onA, mine.id), () => onA.request('DELETE', `/api/auth/tokens/${tokens[0].id}`));
    // Removing the user.
    await endsWithin5s(open(heidi, hers.id), () => a().api.request('DELETE', `/api/users/${heidiId}`));
  });

  it('counts failed logins across both instances', async () => {
    await member('erin');
    const attempt = (server: RunningServer) =>
      fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'erin', password: 'wrong-password' }),
      });
    for (let index = 0; index < 10; index++) expect((await attempt(index % 2 ? a() : b())).status).toBe(401);
    const blocked = await attempt(a());
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await attempt(b())).status).toBe(429);
  });

  it('ends the runs of an instance killed with SIGKILL as interrupted, within 30 s, once', async () => {
    const created = await Promise.all(
      Array.from({ length: 4 }, (_, index) => a().api.create(longRun(`doomed ${index}`, 60_000), true)),
    );
    const runners = await Promise.all(created.map((workflow) => runnerOf(workflow.id)));
    const victim = runners[0];
    const survivor = servers.find((server) => server !== victim) as RunningServer;
    const doomed = created.filter((_, index) => runners[index] === victim);
    // Running, and each has spent something (its agent's cost so far is stored with the workflow's total).
    await waitUntil(async () => {
      const views = await Promise.all(doomed.map((workflow) => survivor.api.get(workflow.id)));
      return views.every((view) => view.status === 'running' && view.totalCost > 0);
    }, 15_000);
    // A member at the stream cap, all of it on the doomed instance: once it is dead, its slots expire.
    const frank = await member('frank');
    const [onVictim, onSurvivor] = [await frank.on(victim), await frank.on(survivor)];
    const watched = await onSurvivor.create(longRun('watched by frank', 60_000));
    const path = `/api/workflows/${watched.id}/stream`;
    const held = Array.from({ length: 6 }, () => onVictim.stream(path));
    await Promise.all(held.map((reader) => reader.waitFor((r) => r.status === 200)));
    const refused = onSurvivor.stream(path);
    await refused.done;
    expect(refused.status).toBe(429);

    const killedAt = Date.now();
    await victim.kill();
    await waitUntil(async () => {
      const views = await Promise.all(doomed.map((workflow) => survivor.api.get(workflow.id)));
      return views.every((view) => view.status === 'failed');
    }, 30_000);
    expect(Date.now() - killedAt).toBeLessThan(30_000);
    for (const workflow of doomed) {
      const stored = await survivor.api.allEvents(workflow.id);
      const failed = stored.filter((event) => event.type === 'workflow:failed');
      expect(failed).toHaveLength(1);
      expect(failed[0].data).toMatchObject({ error: 'interrupted' });
      // The interrupted agent keeps what it had cost so far (it is the first agent: all of the total).
      const agentFailed = stored.filter((event) => event.type === 'agent:failed');
      expect(agentFailed).toHaveLength(1);
      const { totalCost } = failed[0].data as { totalCost: number };
      expect(totalCost).toBeGreaterThan(0);
      expect(agentFailed[0].data).toMatchObject({
        agentName: 'writer',
        error: 'interrupted',
        cost: totalCost,
      });
      expect(stored[stored.length - 1].type).toBe('workflow:failed');
      expect(stored.filter((event) => event.type === 'workflow:started')).toHaveLength(1);
    }
    // The dead instance's stream slots lapsed with its liveness key (10 s): frank may watch again.
    await waitUntil(async () => {
      const attempt = onSurvivor.stream(path);
      await attempt.waitFor((r) => r.status !== 0);
      attempt.close();
      return attempt.status === 200;
    }, 20_000);
    await onSurvivor.request('POST', `/api/workflows/${watched.id}/cancel`);
    // The survivor's own runs go on; cancel them so that the suite ends promptly.
    for (const [index, workflow] of created.entries()) {
      if (runners[index] !== victim)
        await survivor.api.request('POST', `/api/workflows/${workflow.id}/cancel`);
    }
  });
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('joining a cluster: bad configuration stops start-up with one line', () => {
  /** What a server printed when it refused to start (startServer rejects with its exit code and output). */
  async function refusal(env: Record<string, string>): Promise<string> {
    try {
      const server = await startServer({ env });
      await server.kill();
      removeDir(server.dataDir);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('the server started');
  }

  it('names REDIS_URL when Redis does not answer there', async () => {
    const database = await createTestDatabase();
    try {
      const message = await refusal({ DATABASE_URL: database.url, REDIS_URL: 'redis://127.0.0.1:1' });
      expect(message).toMatch(/exited with 1/);
      const lines = message.split('\n').filter((line) => line.startsWith('flowcast:'));
      expect(lines).toEqual([
        expect.stringMatching(/^flowcast: Redis unreachable at REDIS_URL=redis:\/\/127\.0\.0\.1:1: /),
      ]);
    } finally {
      await database.drop();
    }
  });

  it('refuses Redis with the SQLite store, and a malformed REDIS_URL', async () => {
    expect(await refusal({ REDIS_URL: 'redis://127.0.0.1:6379' })).toMatch(
      /flowcast: Invalid configuration: REDIS_URL needs DATABASE_URL=postgres:\/\//,
    );
    expect(await refusal({ REDIS_URL: 'http://cache:6379' })).toMatch(
      /flowcast: Invalid configuration: REDIS_URL must start with redis:\/\/ or rediss:\/\//,
    );
  });
});
