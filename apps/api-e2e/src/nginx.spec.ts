import { request as httpRequest } from 'node:http';
import {
  ADMIN_PASSWORD,
  ApiClient,
  removeDir,
  RunningNginx,
  RunningServer,
  simulatedAgent,
  SseReader,
  startNginx,
  startServer,
} from '@flowcast/testing-e2e';

/** A request from a chosen loopback address (127.0.0.0/8 is all local on Linux), so nginx sees that client. */
function send(
  url: string,
  options: { method?: string; path: string; from?: string; headers?: Record<string, string>; body?: unknown },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolveResponse, reject) => {
    const req = httpRequest(
      `${url}${options.path}`,
      {
        method: options.method ?? 'GET',
        localAddress: options.from,
        headers: { ...(body ? { 'Content-Type': 'application/json' } : {}), ...options.headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolveResponse({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('Flowcast behind nginx (deploy/nginx/flowcast-locations.conf)', () => {
  let server: RunningServer;
  let nginx: RunningNginx;
  /** The admin's client, through nginx. */
  let api: ApiClient;
  const readers: SseReader[] = [];
  const track = (reader: SseReader) => {
    readers.push(reader);
    return reader;
  };
  const liveIds = (reader: SseReader) => reader.ids.filter((id) => id > 0);
  let slowWorkflowId = '';

  beforeAll(async () => {
    server = await startServer({
      env: {
        SSE_HEARTBEAT_MS: '300',
        SSE_CLOSE_GRACE_MS: '300',
        SSE_MAX_BUFFER_BYTES: '65536',
        LOG_BATCH_THRESHOLD: '1000000',
        TRUST_PROXY: 'true',
      },
    });
    nginx = await startNginx([server.port]);
    api = await ApiClient.asUser(nginx.url, 'admin', ADMIN_PASSWORD);
  });
  afterEach(() => readers.splice(0).forEach((reader) => reader.close()));
  afterAll(async () => {
    await nginx?.stop();
    await server?.stop();
    if (server) removeDir(server.dataDir);
  });

  it('streams the snapshot at once, heartbeats, and every stored event in order as it happens', async () => {
    const workflow = await api.create({
      name: 'through nginx',
      agents: [
        simulatedAgent('first', { durationMs: 1_500, progressMessages: 10 }),
        simulatedAgent('second', { durationMs: 500, progressMessages: 3 }),
      ],
    });
    const path = `/api/workflows/${workflow.id}/stream`;
    const requested = Date.now();
    const proxied = track(api.stream(path));
    // The same stream straight from the instance: the reference for when each event was sent.
    const direct = track(server.stream(path));

    await proxied.waitFor((r) => r.events.length >= 2);
    expect(proxied.timedEvents[0].at - requested).toBeLessThan(1_000);
    expect(proxied.status).toBe(200);
    expect(proxied.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(proxied.events.map((event) => event.event)).toEqual(['workflow:state', 'agent:state']);
    // Two bytes of comment are not held back either.
    await proxied.waitFor((r) => r.comments.includes('heartbeat 2'), 2_000);

    expect((await api.request('POST', `/api/workflows/${workflow.id}/start`)).status).toBe(202);
    await Promise.all([proxied.done, direct.done]);

    const stored = await api.allEvents(workflow.id);
    expect(stored.length).toBeGreaterThan(15);
    expect(
      proxied.events
        .slice(2)
        .map((event) => ({ id: Number(event.id), type: event.event, data: JSON.parse(event.data) })),
    ).toEqual(stored);
    // Nothing waits in a proxy buffer: each frame reaches the proxied client when it reaches the direct
    // one (a buffered stream would deliver the first frames only at the end, seconds later).
    const sentAt = new Map(direct.timedEvents.map(({ message, at }) => [message.id, at]));
    const lags = proxied.timedEvents.slice(2).map(({ message, at }) => at - (sentAt.get(message.id) ?? 0));
    expect(Math.max(...lags)).toBeLessThan(250);
  });

  it('resumes with Last-Event-ID through the proxy: the rest, exactly once, then 204 once finished', async () => {
    const workflow = await api.create({
      name: 'resume through nginx',
      agents: [simulatedAgent('writer', { durationMs: 1_500, progressMessages: 30 })],
    });
    const path = `/api/workflows/${workflow.id}/stream`;
    const first = track(api.stream(path));
    await first.waitFor((r) => r.events.length >= 2);
    await api.request('POST', `/api/workflows/${workflow.id}/start`);
    await first.waitFor((r) => liveIds(r).length >= 5);
    first.close();
    const seen = liveIds(first);

    const rest = track(api.stream(path, { 'Last-Event-ID': String(seen[seen.length - 1]) }));
    await rest.done;
    expect(rest.status).toBe(200);
    // No snapshot on a resume: every event carries its id.
    expect(rest.events.every((event) => event.id !== undefined)).toBe(true);
    const stored = await api.allEvents(workflow.id);
    expect([...seen, ...rest.ids]).toEqual(stored.map((event) => event.id));
    expect(stored.length).toBeGreaterThan(seen.length + 5);

    const finished = track(api.stream(path, { 'Last-Event-ID': String(stored[stored.length - 1].id) }));
    await finished.done;
    expect(finished.status).toBe(204);
  });

  it('leaves a client that stops reading to the instance, which cuts it off (nginx spools nothing)', async () => {
    const workflow = await api.create({
      name: 'slow client through nginx',
      agents: [simulatedAgent('flood', { durationMs: 3_000, progressMessages: 100_000 })],
    });
    const path = `/api/workflows/${workflow.id}/stream`;
    slowWorkflowId = workflow.id;
    const slow = track(api.stream(path));
    await slow.waitFor((r) => r.events.length >= 2);
    slow.pause();
    await api.request('POST', `/api/workflows/${workflow.id}/start`);
    await api.waitForEnd(workflow.id);
    const stored = (await api.allEvents(workflow.id)).map((event) => event.id);
    expect(stored.length).toBeGreaterThan(25_000);

    // Read again, the slow client finds its stream cut short: a prefix, never the end. (Buffered, nginx
    // would have taken the whole stream from the instance into a temp file and replayed it all.)
    slow.resume();
    await slow.done;
    const seen = liveIds(slow);
    expect(seen.length).toBeLessThan(stored.length);
    expect(seen).toEqual(stored.slice(0, seen.length));
    expect(slow.events.some((event) => event.event === 'workflow:completed')).toBe(false);
  });

  it('sets X-Forwarded-Proto from its own scheme, whatever the client sent', async () => {
    const login = (url: string) =>
      send(url, {
        method: 'POST',
        path: '/api/auth/login',
        headers: { 'X-Forwarded-Proto': 'https' },
        body: { username: 'admin', password: ADMIN_PASSWORD },
      });
    const cookie = (response: { headers: Record<string, string | string[] | undefined> }) =>
      String(response.headers['set-cookie'] ?? '');
    // The instance trusts the header (TRUST_PROXY=true): straight to it, a spoofed https makes it Secure.
    const direct = await login(server.url);
    expect(direct.status).toBe(200);
    expect(cookie(direct)).toMatch(/;\s*Secure/i);
    // Through nginx the header is nginx's own $scheme (http here), so the cookie is not Secure.
    const proxied = await login(nginx.url);
    expect(proxied.status).toBe(200);
    expect(cookie(proxied)).toMatch(/flowcast_session=/);
    expect(cookie(proxied)).not.toMatch(/;\s*Secure/i);
  });

  it('refuses a body over 1 MiB itself (413, in JSON), before it reaches an instance', async () => {
    const response = await send(nginx.url, {
      method: 'POST',
      path: '/api/workflows',
      headers: api.authHeaders,
      body: { name: 'x'.repeat(1_100_000) },
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'body must be at most 1 MiB',
    });
  });

  // Last: it blocks 127.0.0.2 for failed logins on this server for 15 minutes.
  it("passes the client's own address as X-Forwarded-For, so login limits count clients and not nginx", async () => {
    const fail = (from: string, username: string, spoofed?: string) =>
      send(nginx.url, {
        method: 'POST',
        path: '/api/auth/login',
        from,
        headers: spoofed ? { 'X-Forwarded-For': spoofed } : {},
        body: { username, password: 'wrong-password' },
      }).then((response) => response.status);
    // 50 failures from one address, each for another username (the per-username limit is 10), each
    // claiming another address: the claim is overwritten by nginx, so all 50 count against 127.0.0.2.
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      statuses.push(await fail('127.0.0.2', `nobody-${attempt}`, `198.51.100.${attempt + 1}`));
    }
    expect(statuses).toEqual(Array(50).fill(401));
    expect(await fail('127.0.0.2', 'someone-else', '203.0.113.9')).toBe(429);
    // Another client through the same nginx (same upstream address) is not blocked.
    expect(await fail('127.0.0.3', 'someone-else')).toBe(401);
  });

  it('leaves no error in the nginx log: every response, streams included, was proxied cleanly', () => {
    const problems = nginx
      .errorLog()
      .split('\n')
      .filter((line) => /\[(error|crit|alert|emerg)\]/.test(line))
      // On purpose: the 413, and the slow client the instance cut off.
      .filter((line) => !line.includes('client intended to send too large body'))
      .filter((line) => !(line.includes('upstream prematurely closed') && line.includes(slowWorkflowId)));
    expect(problems).toEqual([]);
  });
});
