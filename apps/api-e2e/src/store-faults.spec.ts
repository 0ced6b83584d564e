import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  AgentDefinition,
  HealthResponse,
  StoredEvent,
  WorkflowDetail,
  WorkflowLogsResponse,
} from '@flowcast/shared-contract';
import {
  type ApiClient,
  type RunningPostgres,
  type RunningServer,
  type SseReader,
  startPostgres,
  startServer,
} from '@flowcast/testing-e2e';

jest.setTimeout(180_000);

/** A shell step that prints `line 1` … `line <count>`, one every `everyMs`, then exits 0. */
function printer(count: number, everyMs: number): AgentDefinition {
  const script =
    `let n = 0; const t = setInterval(() => { n++; console.log('line ' + n);` +
    ` if (n >= ${count}) { clearInterval(t); } }, ${everyMs});`;
  return {
    name: 'printer',
    role: 'shell',
    prompt: 'print numbered lines',
    runner: { type: 'shell', command: process.execPath, args: ['-e', script] },
  };
}

async function health(server: RunningServer): Promise<{ status: number; body: HealthResponse }> {
  const response = await fetch(`${server.url}/api/health`);
  return { status: response.status, body: (await response.json()) as HealthResponse };
}

const METRICS_TOKEN = 'store-faults-scraper-token';

async function metrics(server: RunningServer): Promise<string> {
  const response = await fetch(`${server.url}/api/metrics`, {
    headers: { Authorization: `Bearer ${METRICS_TOKEN}` },
  });
  expect(response.status).toBe(200);
  return response.text();
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function allLogs(api: ApiClient, id: string): Promise<string[]> {
  const lines: string[] = [];
  let after = 0;
  for (;;) {
    const page = (
      await api.request<WorkflowLogsResponse>('GET', `/api/workflows/${id}/logs?after=${after}&limit=1000`)
    ).body.items;
    if (page.length === 0) return lines;
    lines.push(...page.map((item) => item.message));
    after = page[page.length - 1].id;
  }
}

/** Creates the workflow, opens a stream on it, then starts it: the stream sees every event from the first. */
async function startWatched(api: ApiClient, agents: AgentDefinition[]) {
  const created = await api.create({ name: 'store fault', agents });
  const reader = api.stream(`/api/workflows/${created.id}/stream`);
  await reader.waitFor((r) => r.status === 200 && r.comments.length > 0);
  const started = await api.request('POST', `/api/workflows/${created.id}/start`);
  expect(started.status).toBe(202);
  return { id: created.id, reader };
}

/**
 * What every fault must leave: ids 1..n in the store, the client got exactly those (none twice, none
 * missing, in order), and the printer's lines that were stored are 1..k, each once, in order.
 */
async function expectIntact(api: ApiClient, id: string, reader: SseReader): Promise<StoredEvent[]> {
  await reader.done;
  const stored = await api.allEvents(id);
  expect(stored.map((event) => event.id)).toEqual(stored.map((_, index) => index + 1));
  // The stream opened before the start: its snapshot (workflow:state, agent:state; the last one with id 0),
  // then every stored event.
  const [state, agents, ...events] = reader.events;
  expect([state.event, agents.event, agents.id]).toEqual(['workflow:state', 'agent:state', '0']);
  expect(events.map((event) => Number(event.id))).toEqual(stored.map((event) => event.id));
  expect(events.map((event) => event.event)).toEqual(stored.map((event) => event.type));
  const numbers = (await allLogs(api, id))
    .filter((message) => /^line \d+$/.test(message))
    .map((message) => Number(message.slice(5)));
  expect(numbers).toEqual(numbers.map((_, index) => index + 1));
  return stored;
}

describe('a PostgreSQL store stopped and started mid-run', () => {
  let postgres: RunningPostgres;
  let server: RunningServer;

  beforeAll(async () => {
    postgres = await startPostgres();
  });
  afterEach(async () => {
    await server?.stop();
    if (!postgres.running()) await postgres.start();
  });
  afterAll(async () => {
    await postgres?.destroy();
  });

  it('answers 503 while it is down, keeps streams open with heartbeats, and stores every line once it is back', async () => {
    server = await startServer({
      env: {
        DATABASE_URL: postgres.url,
        SSE_HEARTBEAT_MS: '300',
        STORE_OUTAGE_LIMIT_MS: '60000',
        METRICS_TOKEN,
      },
    });
    const { api } = server;
    const { id, reader } = await startWatched(api, [printer(1_500, 4)]);
    await reader.waitFor((r) => r.events.filter((event) => event.event.startsWith('log:')).length > 20);

    await postgres.stop();
    await waitFor('health to say the store is down', async () => (await health(server)).status === 503);
    expect((await health(server)).body).toEqual({ status: 'unavailable', store: 'down' });
    const list = await api.request('GET', '/api/workflows');
    expect(list.status).toBe(503);
    expect(list.headers.get('retry-after')).toBe('5');
    expect(list.body).toMatchObject({ statusCode: 503, message: expect.stringContaining('store') });
    const refused = await api.request('POST', '/api/workflows', {
      name: 'while down',
      agents: [printer(1, 1)],
    });
    expect(refused.status).toBe(503);
    const heartbeatsBefore = reader.comments.length;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // The scraper's token needs no store: the metrics say what is going on while it is away.
    const during = await metrics(server);
    expect(during).toMatch(/^flowcast_store_writable 0$/m);
    expect(Number(/^flowcast_event_log_pending_events (\d+)$/m.exec(during)?.[1])).toBeGreaterThan(0);
    expect(reader.ended).toBe(false);
    expect(reader.comments.length - heartbeatsBefore).toBeGreaterThanOrEqual(5);

    await postgres.start();
    await waitFor('health to be ok again', async () => (await health(server)).status === 200);
    const stored = await expectIntact(api, id, reader);
    expect(stored[stored.length - 1].type).toBe('workflow:completed');
    expect((await allLogs(api, id)).filter((message) => message.startsWith('line '))).toHaveLength(1_500);
    const after = await metrics(server);
    expect(after).toMatch(/^flowcast_store_writable 1$/m);
    expect(after).toMatch(/^flowcast_event_log_pending_events 0$/m);
    expect(Number(/^flowcast_store_write_failures_total (\d+)$/m.exec(after)?.[1])).toBeGreaterThan(0);
    // The create refused while the store was down wrote nothing.
    expect(JSON.stringify((await api.request('GET', '/api/workflows')).body)).not.toContain('while down');
    expect(server.process.exitCode).toBeNull();
  });

  it('pauses a flooding agent while its lines cannot be stored, and stores all of them once the store is back', async () => {
    server = await startServer({
      env: { DATABASE_URL: postgres.url, SSE_HEARTBEAT_MS: '300', STORE_OUTAGE_LIMIT_MS: '60000' },
    });
    const { api } = server;
    const progress = join(mkdtempSync(join(tmpdir(), 'flowcast-flood-')), 'written');
    const total = 100_000;
    // sh's echo blocks once the pipe is full, that is once the server stops reading the output; every 100
    // lines the count goes to a file.
    const script =
      `i=0; while [ $i -lt ${total} ]; do i=$((i+1)); echo "line $i";` +
      ` if [ $((i % 100)) -eq 0 ]; then echo $i > ${progress}; fi; done`;
    const { id, reader } = await startWatched(api, [
      {
        name: 'flood',
        role: 'shell',
        prompt: 'flood',
        runner: { type: 'shell', command: '/bin/sh', args: ['-c', script] },
      },
    ]);
    await waitFor('the flood to begin', () => written(progress) > 1_000);
    await postgres.stop();
    await waitFor('health to say the store is down', async () => (await health(server)).status === 503);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const paused = written(progress);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // Paused: nothing more written, and what it wrote past the store is bounded (5,000 lines held by the
    // run, plus what the pipe and the reader's buffer hold).
    expect(written(progress)).toBe(paused);
    expect(paused).toBeLessThan(total);
    await postgres.start();
    const stored = await expectIntact(api, id, reader);
    expect(stored[stored.length - 1].type).toBe('workflow:completed');
    expect((await allLogs(api, id)).filter((message) => message.startsWith('line '))).toHaveLength(total);
  });

  it('past STORE_OUTAGE_LIMIT_MS stops the run, which ends failed with the reason once the store is back', async () => {
    server = await startServer({
      env: { DATABASE_URL: postgres.url, SSE_HEARTBEAT_MS: '300', STORE_OUTAGE_LIMIT_MS: '1500' },
    });
    const { api } = server;
    const { id, reader } = await startWatched(api, [printer(100_000, 2)]);
    await reader.waitFor((r) => r.events.filter((event) => event.event.startsWith('log:')).length > 20);

    await postgres.stop();
    await waitFor('health to say the store is down', async () => (await health(server)).status === 503);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await postgres.start();

    const stored = await expectIntact(api, id, reader);
    const end = stored[stored.length - 1];
    expect(end.type).toBe('workflow:failed');
    expect((end.data as { error: string }).error).toMatch(
      /^the store was unavailable for more than 1\.5 s \(.+\)$/,
    );
    const detail = await api.get(id);
    expect(detail.status).toBe('failed');
    expect(detail.agents[0].status).toBe('failed');
    const agentFailed = stored.find((event) => event.type === 'agent:failed');
    expect(agentFailed?.data).toMatchObject({ error: (end.data as { error: string }).error });
    // The printer was stopped: far fewer than its 100,000 lines, and the server still runs.
    expect((await allLogs(api, id)).length).toBeLessThan(100_000);
    expect(server.process.exitCode).toBeNull();
  });
});

/**
 * The SQLite file on a small tmpfs of the test's own: filling the filesystem makes every write fail with
 * SQLITE_FULL, exactly as a full disk does; removing the filler gives the room back. Remounted read-only
 * (possible only while no process has a file open for writing) it is a read-only store at start. A store
 * turning read-only under a running server (SQLITE_READONLY) is proved in the event log's own spec
 * (event-log.store-faults.spec.ts): Linux refuses to remount a filesystem read-only under an open writer.
 */
describe('a SQLite store whose disk fills up mid-run, or whose file is read-only', () => {
  let mountPoint: string;
  let server: RunningServer;

  beforeAll(() => {
    mountPoint = mkdtempSync(join(tmpdir(), 'flowcast-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountPoint]);
  });
  afterAll(async () => {
    await server?.stop();
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it('answers 503 while the disk is full and stores every line, in order, once there is room', async () => {
    const dataDir = join(mountPoint, 'data');
    mkdirSync(dataDir);
    server = await startServer({ dataDir, env: { SSE_HEARTBEAT_MS: '300' } });
    const { api } = server;
    const { id, reader } = await startWatched(api, [printer(3_000, 2)]);
    await reader.waitFor((r) => r.events.filter((event) => event.event.startsWith('log:')).length > 20);

    const filler = join(mountPoint, 'filler');
    fillUp(filler);
    await waitFor('health to say the store is down', async () => (await health(server)).status === 503);
    expect((await health(server)).body).toEqual({ status: 'unavailable', store: 'down' });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(reader.ended).toBe(false);

    rmSync(filler);
    await waitFor('health to be ok again', async () => (await health(server)).status === 200);
    const stored = await expectIntact(api, id, reader);
    expect(stored[stored.length - 1].type).toBe('workflow:completed');
    expect((await allLogs(api, id)).filter((message) => message.startsWith('line '))).toHaveLength(3_000);
    const detail: WorkflowDetail = await api.get(id);
    expect(detail.status).toBe('completed');
    expect(server.process.exitCode).toBeNull();
  });

  it('refuses to start on a read-only file with one line naming it, and serves it again once it is writable', async () => {
    const dataDir = join(mountPoint, 'data');
    const before = await server.api.request<{ items: unknown[] }>('GET', '/api/workflows');
    expect(before.body.items).toHaveLength(1);
    await server.stop();
    // Nothing has the file open now, so the filesystem can be remounted read-only.
    execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
    try {
      await expect(startServer({ dataDir })).rejects.toThrow(
        new RegExp(
          `exited with 1 before listening:\\s*flowcast: Store unreachable at ${join(dataDir, 'flowcast.db')}: .*must be writable`,
        ),
      );
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mountPoint]);
    }
    server = await startServer({ dataDir });
    const after = await server.api.request<{ items: unknown[] }>('GET', '/api/workflows');
    expect(after.body.items).toEqual(before.body.items);
  });
});

/** Writes zeros to `path` until the filesystem has no room left, not even for one byte. */
function fillUp(path: string): void {
  const fd = openSync(path, 'w');
  try {
    for (const size of [1024 * 1024, 4096, 1]) {
      const block = Buffer.alloc(size);
      try {
        for (;;) writeSync(fd, block);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** The count the flood script last wrote down (0 before its first). */
function written(path: string): number {
  return existsSync(path) ? Number(readFileSync(path, 'utf8')) : 0;
}
