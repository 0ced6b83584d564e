import type { CreateTokenResponse, UserView, WorkflowDetail } from '@flowcast/shared-contract';
import {
  ADMIN_PASSWORD,
  ApiClient,
  OpenApiValidator,
  type RecordedResponse,
  removeDir,
  type RunningServer,
  simulatedAgent,
  type SseReader,
  startServer,
} from '@flowcast/testing-e2e';

/**
 * The API description at /api/docs, against the real server: it is served (the UI with its own assets,
 * under helmet's CSP), and answers recorded from real traffic over every route, errors included, validate
 * against the document's schemas for their operation, status and media type. The in-process spec
 * (apps/api/src/app/openapi.spec.ts) checks that every registered route is in the document.
 */

const definition = (name: string, runner: Parameters<typeof simulatedAgent>[1] = {}) => ({
  name,
  budgetLimit: 5,
  maxIterations: 1,
  agents: [simulatedAgent('agent-1', { durationMs: 200, cost: 1.5, progressMessages: 3, ...runner })],
});

describe('the OpenAPI description', () => {
  let server: RunningServer;
  let document: { openapi: string; paths: Record<string, Record<string, unknown>> };
  let validator: OpenApiValidator;
  const recorded: RecordedResponse[] = [];

  beforeAll(async () => {
    server = await startServer({ env: { SSE_CLOSE_GRACE_MS: '100' } });
    const response = await fetch(`${server.url}/api/docs/openapi.json`);
    expect(response.status).toBe(200);
    document = (await response.json()) as typeof document;
    validator = new OpenApiValidator(document as ConstructorParameters<typeof OpenApiValidator>[0]);
  });
  afterAll(async () => {
    await server?.stop();
    if (server) removeDir(server.dataDir);
  });

  /** A request as `client` (none: no credentials), its answer recorded for the final check. */
  async function call<T = unknown>(
    client: ApiClient | null,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...client?.authHeaders,
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0].trim();
    const text = await response.text();
    const parsed = mediaType === 'application/json' ? (JSON.parse(text) as T) : (text as T);
    recorded.push({ method, path, status: response.status, mediaType: text ? mediaType : '', body: parsed });
    return { status: response.status, body: parsed, headers: response.headers };
  }

  /** A stream as the admin until `until` holds (or it ends), its events recorded. */
  /** Records a stream's answer; `whileOpen` runs once it is answered 200, before waiting for `until`. */
  async function stream(
    path: string,
    until: (events: { event: string }[]) => boolean,
    headers = {},
    whileOpen?: (reader: SseReader) => Promise<void>,
  ) {
    const reader = server.stream(path, headers);
    await reader.waitFor((r) => r.status !== 0);
    if (reader.status === 200 && whileOpen) await whileOpen(reader);
    if (reader.status === 200) await reader.waitFor((r) => until(r.events) || r.ended).catch(() => undefined);
    reader.close();
    await reader.done;
    const mediaType = String(reader.headers['content-type'] ?? '').split(';')[0];
    recorded.push({
      method: 'GET',
      path,
      status: reader.status,
      mediaType: reader.status === 204 ? '' : mediaType,
      body: undefined,
      events: reader.events.map(({ event, data }) => ({ event, data })),
    });
    return reader;
  }

  describe('is served', () => {
    it('as JSON, OpenAPI 3.1, without credentials', () => {
      expect(document.openapi).toBe('3.1.0');
      expect(Object.keys(document.paths)).toContain('/api/workflows/{id}/stream');
    });

    it('as Swagger UI whose scripts and styles come from this server and load under its CSP', async () => {
      const response = await fetch(`${server.url}/api/docs`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      const html = await response.text();
      // No inline script: the CSP would block it. Every asset is a relative URL on this server.
      expect(html).not.toMatch(/<script>(?!\s*<\/script>)/);
      const assets = [...html.matchAll(/(?:src|href)=["']([^"']+)["']/g)].map((match) => match[1]);
      expect(assets).toEqual(
        expect.arrayContaining(['./docs/swagger-ui-bundle.js', './docs/swagger-ui-init.js']),
      );
      for (const asset of assets) {
        expect(asset).not.toMatch(/^(https?:)?\/\//);
        const loaded = await fetch(new URL(asset, `${server.url}/api/docs`));
        expect({ asset, status: loaded.status }).toEqual({ asset, status: 200 });
      }
      const init = await (await fetch(`${server.url}/api/docs/swagger-ui-init.js`)).text();
      expect(init).toContain('"validatorUrl": null');
    });
  });

  describe('describes every answer of real traffic', () => {
    it('auth, tokens and users', async () => {
      await call(null, 'GET', '/api/health');
      await call(null, 'GET', '/api/auth/me');
      await call(null, 'POST', '/api/auth/login', { username: 'admin', password: 'wrong-password' });
      await call(null, 'POST', '/api/auth/login', { username: 'admin' });
      const login = await call(null, 'POST', '/api/auth/login', {
        username: 'admin',
        password: ADMIN_PASSWORD,
      });
      expect(login.status).toBe(200);
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
      const session = { Cookie: cookie, 'X-Requested-With': 'flowcast' };
      await call(null, 'GET', '/api/auth/me', undefined, session);
      const token = await call<CreateTokenResponse>(
        null,
        'POST',
        '/api/auth/tokens',
        { name: 'doc' },
        session,
      );
      expect(token.status).toBe(201);
      await call(null, 'POST', '/api/auth/tokens', { name: '' }, session);
      await call(null, 'GET', '/api/auth/tokens', undefined, session);
      expect(
        (await call(null, 'DELETE', `/api/auth/tokens/${token.body.id}`, undefined, session)).status,
      ).toBe(204);
      await call(null, 'DELETE', `/api/auth/tokens/${token.body.id}`, undefined, session);

      const admin = server.api;
      const user = await call<UserView>(admin, 'POST', '/api/users', {
        username: 'doc-member',
        password: 'member-password',
        role: 'member',
      });
      expect(user.status).toBe(201);
      await call(admin, 'POST', '/api/users', {
        username: 'doc-member',
        password: 'member-password',
        role: 'member',
      });
      await call(admin, 'POST', '/api/users', { username: 'x', password: 'short', role: 'boss' });
      await call(admin, 'GET', '/api/users');
      await call(admin, 'PATCH', `/api/users/${user.body.id}`, { password: 'another-password' });
      await call(admin, 'PATCH', '/api/users/u_nobody', { role: 'admin' });
      const member = await ApiClient.asUser(server.url, 'doc-member', 'another-password');
      await call(member, 'GET', '/api/users');
      await call(member, 'GET', '/api/metrics');
      await call(admin, 'GET', '/api/metrics');
      expect((await call(admin, 'DELETE', `/api/users/${user.body.id}`)).status).toBe(204);
      await call(admin, 'DELETE', `/api/users/${user.body.id}`);
      expect((await call(null, 'POST', '/api/auth/logout', undefined, session)).status).toBe(204);
    });

    it('workflows, their logs, events and streams', async () => {
      const admin = server.api;
      await call(admin, 'POST', '/api/workflows', { ...definition('bad'), agents: [] });
      await call(admin, 'GET', '/api/workflows/42');
      await call(admin, 'GET', '/api/workflows/wf_AAAAAAAAAAAAAAAA');
      await call(admin, 'GET', '/api/workflows?limit=1000');
      const created = await call<WorkflowDetail>(admin, 'POST', '/api/workflows', definition('doc'));
      expect(created.status).toBe(201);
      const id = created.body.id;
      await call(admin, 'POST', `/api/workflows/${id}/rerun`);
      await call(admin, 'POST', `/api/workflows/${id}/start`);
      await call(admin, 'POST', `/api/workflows/${id}/start`);
      await stream(`/api/workflows/${id}/stream`, (events) =>
        events.some((e) => e.event === 'workflow:completed'),
      );
      await call(admin, 'GET', `/api/workflows/${id}`);
      await call(admin, 'GET', '/api/workflows?limit=5');
      await call(admin, 'GET', `/api/workflows/${id}/logs`);
      await call(admin, 'GET', `/api/workflows/${id}/logs?before=3`);
      await call(admin, 'GET', `/api/workflows/${id}/logs/download`);
      const events = await call<{ items: { id: number }[] }>(admin, 'GET', `/api/workflows/${id}/events`);
      const lastId = events.body.items[events.body.items.length - 1].id;
      await call(admin, 'GET', `/api/workflows/${id}/events?limit=0`);
      await stream(`/api/workflows/${id}/stream`, () => false, { 'Last-Event-ID': String(lastId) });
      await stream(`/api/workflows/${id}/stream?lastEventId=abc`, (e) =>
        e.some((x) => x.event === 'agent:state'),
      );
      await stream(`/api/workflows/${id}/stream?types=agent:*`, () => false, { 'Last-Event-ID': '1' });
      await call(admin, 'POST', `/api/workflows/${id}/cancel`);
      await call(admin, 'POST', `/api/workflows/${id}/rerun?start=true`);

      const failing = await admin.create(definition('doc-fails', { fail: true, durationMs: 100 }), true);
      await admin.waitForEnd(failing.id);
      await stream(`/api/workflows/${failing.id}/stream?lastEventId=0`, () => false);

      const running = await admin.create(definition('doc-cancel', { durationMs: 60_000 }), true);
      const list = stream('/api/workflows/stream', (e) => e.some((x) => x.event === 'workflow:updated'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      await call(admin, 'POST', `/api/workflows/${running.id}/cancel`);
      await list;
      await stream('/api/workflows/stream?lastEventId=nope', (e) =>
        e.some((x) => x.event === 'workflow:list'),
      );
      await call(admin, 'GET', '/api/workflows/stream?colour=red');

      // Deleting: refused while running (409), then done once it has ended (204), then gone (404).
      // Started at once: queued or running, either way busy.
      const busy = await admin.create(definition('doc-delete', { durationMs: 60_000 }), true);
      expect((await call(admin, 'DELETE', `/api/workflows/${busy.id}`)).status).toBe(409);
      await call(admin, 'POST', `/api/workflows/${busy.id}/cancel`);
      await admin.waitForEnd(busy.id);
      const deletions = await stream(
        '/api/workflows/stream',
        (e) => e.some((x) => x.event === 'workflow:deleted'),
        {},
        async (reader) => {
          await reader.waitFor((r) => r.events.some((x) => x.event === 'workflow:list'));
          expect((await call(admin, 'DELETE', `/api/workflows/${busy.id}`)).status).toBe(204);
        },
      );
      expect(deletions.events.map((x) => x.event)).toContain('workflow:deleted');
      expect((await call(admin, 'DELETE', `/api/workflows/${busy.id}`)).status).toBe(404);
    });

    it('validates every recorded answer against the document', () => {
      expect(recorded.length).toBeGreaterThan(40);
      expect(recorded.flatMap((answer) => validator.check(answer))).toEqual([]);
      // And the check can fail: a stray field, an undescribed status, an event of an unknown type.
      const detail = recorded.find(
        (answer) => answer.method === 'GET' && /^\/api\/workflows\/wf_\w+$/.test(answer.path),
      );
      expect(
        detail && validator.check({ ...detail, body: { ...(detail.body as object), extra: 1 } }),
      ).not.toEqual([]);
      expect(detail && validator.check({ ...detail, status: 418 })).not.toEqual([]);
      const streamed = recorded.find((answer) => answer.events && answer.events.length > 0);
      expect(
        streamed && validator.check({ ...streamed, events: [{ event: 'agent:paused', data: '{}' }] }),
      ).not.toEqual([]);
    });

    it('exercised every operation of the document with a success answer', () => {
      const succeeded = new Set(
        recorded
          .filter((answer) => answer.status >= 200 && answer.status < 300)
          .map((answer) => `${answer.method} ${validator.template(answer.path)}`),
      );
      const operations = Object.entries(document.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect(operations.filter((operation) => !succeeded.has(operation))).toEqual([]);
    });
  });
});
