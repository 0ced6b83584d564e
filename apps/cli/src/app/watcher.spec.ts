import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seedWorkflow, type StreamEvent } from '@flowcast/shared-contract';
import { CliError } from './exit-codes';
import { HttpClient } from './http-client';
import { watchWorkflow, type WatchOptions } from './watcher';

const workflowId = 'wf_AAAAAAAAAAAAAAAA';
const ts = '2026-01-01T00:00:00.000Z';
const detail = seedWorkflow({
  id: workflowId,
  name: 'fake',
  createdAt: ts,
  maxIterations: 1,
  budgetLimit: null,
  agents: [{ agentName: 'dev', agentRole: 'developer' }],
});

const log = (id: number, message: string) =>
  `id: ${id}\nevent: log:created\ndata: ${JSON.stringify({ level: 'info', message, timestamp: ts, workflowId, ts })}\n\n`;
const completed = (id: number) =>
  `id: ${id}\nevent: workflow:completed\ndata: ${JSON.stringify({ duration: 1, totalCost: 0, iterations: 1, workflowId, ts })}\n\n`;

/** A stand-in for the API: the workflow's detail, and its stream answered by `stream` per connection. */
async function fakeServer(
  stream: (res: ServerResponse, connection: number, req: IncomingMessage) => void,
): Promise<{ server: Server; url: string; cursors: (string | undefined)[] }> {
  const cursors: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    if (req.url === `/api/workflows/${workflowId}`) {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(detail));
      return;
    }
    cursors.push(req.headers['last-event-id'] as string | undefined);
    stream(res, cursors.length, req);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, cursors };
}

const open = (res: ServerResponse) => res.writeHead(200, { 'Content-Type': 'text/event-stream' });

describe('watchWorkflow', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.closeAllConnections();
    server?.close();
  });

  function watch(url: string, overrides: Partial<WatchOptions> = {}) {
    const events: StreamEvent[] = [];
    const notices: string[] = [];
    const done = watchWorkflow({
      client: new HttpClient(url, 'token'),
      workflowId,
      retries: 2,
      backoff: () => 10,
      onEvent: (event) => events.push(event),
      onNotice: (message) => notices.push(message),
      ...overrides,
    });
    return { done, events, notices };
  }

  it('asks for the whole history, resumes after a drop from the last applied id, and applies no event twice', async () => {
    const fake = await fakeServer((res, connection, req) => {
      expect(req.headers.authorization).toBe('Bearer token');
      open(res);
      if (connection === 1) res.end(log(1, 'one') + log(2, 'two') + log(3, 'three'));
      else res.end(log(3, 'three') + log(4, 'four') + completed(5));
    });
    server = fake.server;
    const { done, events, notices } = watch(fake.url);
    await expect(done).resolves.toMatchObject({ status: 'completed', lastEventId: 5 });
    expect(fake.cursors).toEqual(['0', '3']);
    expect(events.map((event) => event.id)).toEqual([1, 2, 3, 4, 5]);
    expect(notices).toEqual([expect.stringContaining('resuming after event 3')]);
  });

  it('gives up with a CliError after its retries', async () => {
    const fake = await fakeServer((res) => res.writeHead(503).end());
    server = fake.server;
    const { done } = watch(fake.url);
    await expect(done).rejects.toThrow(CliError);
    await expect(done).rejects.toThrow('(2 retries)');
    expect(fake.cursors).toHaveLength(3);
  });

  it('does not retry a stream the server refuses', async () => {
    const fake = await fakeServer((res) => res.writeHead(404).end());
    server = fake.server;
    await expect(watch(fake.url).done).rejects.toThrow(`the server refused the stream of ${workflowId}`);
    expect(fake.cursors).toHaveLength(1);
  });

  it('takes a silent stream for dead and resumes it', async () => {
    const fake = await fakeServer((res, connection) => {
      open(res);
      if (connection === 1) res.write(log(1, 'one'));
      else res.end(completed(2));
    });
    server = fake.server;
    const { done, notices } = watch(fake.url, { idleTimeoutMs: 300 });
    await expect(done).resolves.toMatchObject({ status: 'completed' });
    expect(fake.cursors).toEqual(['0', '1']);
    expect(notices).toEqual([expect.stringContaining('no data for 0.3 s')]);
  });

  it('ends with the stored state when the server says there is nothing after its cursor (204)', async () => {
    const fake = await fakeServer((res) => res.writeHead(204).end());
    server = fake.server;
    await expect(watch(fake.url).done).resolves.toMatchObject({ id: workflowId, status: 'pending' });
  });
});
