import { EventSource } from 'eventsource';
import { Pool } from 'pg';
import { STORED_EVENT_TYPES, type WorkflowDefinition } from '@flowcast/shared-contract';
import { type RunningCluster, type RunningServer, simulatedAgent, startCluster } from '@flowcast/testing-e2e';

jest.setTimeout(120_000);

/** A native EventSource client's view: every stored event it received (by id), and how often it (re)opened. */
interface Watcher {
  source: EventSource;
  ids: number[];
  opens: number;
  ended: Promise<string>;
}

/**
 * The cluster as docs/deployment.md sets it up — nginx (round-robin, no sticky sessions) in front of two
 * instances on PostgreSQL and a Redis of the test's own — driven the way browsers drive it: through the
 * load balancer, with a real EventSource that reconnects on its own.
 */
describe('two instances behind nginx', () => {
  let cluster: RunningCluster;
  let pg: Pool;

  beforeAll(async () => {
    cluster = await startCluster({
      env: {
        SSE_HEARTBEAT_MS: '500',
        SSE_RETRY_MS: '100',
        SSE_CLOSE_GRACE_MS: '200',
        SHUTDOWN_TIMEOUT_MS: '3000',
        LOG_BATCH_THRESHOLD: '1000000',
      },
    });
    pg = new Pool({ connectionString: cluster.database.url, max: 2 });
  });

  afterAll(async () => {
    await pg?.end();
    await cluster?.stop();
  });

  const longRun = (name: string, durationMs: number): WorkflowDefinition => ({
    name,
    agents: [
      simulatedAgent('writer', { durationMs, progressMessages: Math.round(durationMs / 50), cost: 0.5 }),
    ],
  });

  /** An EventSource through nginx, opened before the workflow starts (so every event it gets carries an id). */
  function watch(id: string): Promise<Watcher> {
    const source = new EventSource(`${cluster.url}/api/workflows/${id}/stream`, {
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          headers: { ...(init?.headers as Record<string, string>), ...cluster.api.authHeaders },
        }),
    });
    const watcher: Watcher = { source, ids: [], opens: 0, ended: Promise.resolve('') };
    watcher.ended = new Promise((resolve, reject) => {
      for (const type of ['workflow:completed', 'workflow:failed', 'workflow:cancelled']) {
        source.addEventListener(type, () => resolve(type));
      }
      source.addEventListener('error', () => {
        if (source.readyState === EventSource.CLOSED) reject(new Error('EventSource gave up'));
      });
    });
    for (const type of STORED_EVENT_TYPES) {
      source.addEventListener(type, (event) => watcher.ids.push(Number(event.lastEventId)));
    }
    source.addEventListener('open', () => watcher.opens++);
    return new Promise((resolve) => source.addEventListener('open', () => resolve(watcher), { once: true }));
  }

  async function runnerOf(id: string): Promise<RunningServer> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const { rows } = await pg.query<{ runner: string | null }>(
        'select runner from workflows where id = $1',
        [id],
      );
      const runner = rows[0]?.runner;
      const server =
        runner &&
        cluster.servers.find((candidate) => candidate.output().includes(`cluster instance ${runner}`));
      if (server) return server;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`workflow ${id} was never claimed`);
  }

  it('spreads requests over both instances (round-robin, no stickiness)', async () => {
    for (let index = 0; index < 6; index++) {
      expect((await cluster.api.request('GET', '/api/workflows')).status).toBe(200);
    }
    const upstreams = new Set(
      cluster.nginx
        .accessLog()
        .split('\n')
        .flatMap((line) => /upstream=(\S+)/.exec(line)?.[1] ?? []),
    );
    expect(upstreams.size).toBe(2);
  });

  it('hands streams back on SIGTERM: clients resume on the other instance, the runs end as interrupted in time', async () => {
    // Workflows until both instances run at least one.
    const runs: { id: string; runner: RunningServer; watchers: Watcher[] }[] = [];
    while (runs.length < 8 && new Set(runs.map((run) => run.runner)).size < 2) {
      const workflow = await cluster.api.create(longRun(`run ${runs.length}`, 8_000));
      const watchers = await Promise.all(Array.from({ length: 4 }, () => watch(workflow.id)));
      await cluster.api.request('POST', `/api/workflows/${workflow.id}/start`);
      runs.push({ id: workflow.id, runner: await runnerOf(workflow.id), watchers });
    }
    const stopping = runs[0].runner;
    const all = runs.flatMap((run) => run.watchers);
    await Promise.all(
      all.map(
        (watcher) =>
          new Promise<void>((resolve) => {
            const check = setInterval(
              () => watcher.ids.length >= 10 && (clearInterval(check), resolve()),
              20,
            );
          }),
      ),
    );
    const index = cluster.servers.indexOf(stopping);
    const stoppedAt = Date.now();
    expect(await stopping.stop()).toBe(0);
    // SHUTDOWN_TIMEOUT_MS is 3 s (plus the hard stop's margin).
    expect(Date.now() - stoppedAt).toBeLessThan(4_500);
    for (const run of runs) {
      const ends = await Promise.all(run.watchers.map((watcher) => watcher.ended));
      for (const watcher of run.watchers) watcher.source.close();
      const stored = await cluster.api.allEvents(run.id);
      const last = stored[stored.length - 1];
      if (run.runner === stopping) {
        expect(last).toMatchObject({ type: 'workflow:failed', data: { error: 'interrupted' } });
      } else {
        expect(last.type).toBe('workflow:completed');
      }
      expect(ends).toEqual(run.watchers.map(() => last.type));
      for (const watcher of run.watchers) expect(watcher.ids).toEqual(stored.map((event) => event.id));
    }
    // The streams the stopped instance held of runs elsewhere were handed back and resumed through nginx.
    const elsewhere = runs.filter((run) => run.runner !== stopping).flatMap((run) => run.watchers);
    expect(elsewhere.some((watcher) => watcher.opens >= 2)).toBe(true);
    await cluster.restart(index);
  });
});
