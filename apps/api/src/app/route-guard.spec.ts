import type { NestExpressApplication } from '@nestjs/platform-express';
import { DOCS_PATH } from '@flowcast/api-core';
import {
  API_PREFIX,
  CSRF_HEADER,
  CSRF_HEADER_VALUE,
  SESSION_COOKIE,
  type CreateTokenResponse,
} from '@flowcast/shared-contract';
import { discoverRoutes, expressRoutes, type Route, routeKey as key } from './testing/discover-routes';
import { type InProcessApp, startInProcessApp } from './testing/in-process-app';

/**
 * The whole HTTP surface of the real app, called without credentials: every route but the two open ones
 * (CONTRACT §2) must answer 401 before anything else is looked at. Routes are found from Nest's metadata,
 * so a controller added later is covered without touching this file (the event streams included: they are
 * routes like any other).
 */

/** The only routes that may be reached without credentials. Adding a @Public() elsewhere fails this test. */
const OPEN_ROUTES = ['GET /api/health', 'POST /api/auth/login'];
/** Fewer routes than this means discovery broke; the guard test must not pass on an empty list. */
const MIN_ROUTES = 15;
/** A value for every path parameter: well-formed as a workflow id, so only the guard can refuse it. */
const PARAM_VALUE = 'wf_AAAAAAAAAAAAAAAA';
const ADMIN_PASSWORD = 'route-guard-admin-password';

const isDocsRoute = (route: string) => route.split(' ')[1].startsWith(DOCS_PATH);

const fillParams = (path: string) => path.replace(/:[A-Za-z_]\w*/g, PARAM_VALUE);

describe('the global access guard, over real HTTP', () => {
  let running: InProcessApp;
  let app: NestExpressApplication;
  let baseUrl: string;
  let routes: Route[];

  beforeAll(async () => {
    running = await startInProcessApp({ adminPassword: ADMIN_PASSWORD });
    ({ app, baseUrl } = running);
    routes = discoverRoutes(app, API_PREFIX);
  });

  afterAll(async () => {
    await running?.close();
  });

  const call = (
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: string } = {},
  ) =>
    fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...init.headers,
      },
      body: init.body,
    });

  async function expectJson401(response: Response): Promise<void> {
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as { statusCode?: number };
    expect({ status: response.status, statusCode: body.statusCode }).toEqual({
      status: 401,
      statusCode: 401,
    });
  }

  it(`discovers at least ${MIN_ROUTES} routes, and every route Express dispatches`, () => {
    expect(routes.length).toBeGreaterThanOrEqual(MIN_ROUTES);
    const discovered = routes.map(key);
    // Middleware mounts (ALL) are not routes of their own, unless a handler was discovered there. The
    // API description (Swagger UI and its document) is served by plain Express routes, checked below.
    const dispatched = expressRoutes(app).filter(
      (route) => (!route.startsWith('ALL ') || discovered.includes(route)) && !isDocsRoute(route),
    );
    expect(discovered).toEqual(dispatched);
  });

  it('has no Express route besides Nest’s but the API description’s, which are GETs answered openly', async () => {
    const docs = expressRoutes(app).filter(isDocsRoute);
    expect(docs.length).toBeGreaterThan(0);
    expect(docs.filter((route) => !route.startsWith('GET '))).toEqual([]);
    const json = await call('GET', `${DOCS_PATH}/openapi.json`);
    expect(json.status).toBe(200);
    expect(((await json.json()) as { openapi: string }).openapi).toBe('3.1.0');
  });

  it('finds the event stream among Nest’s routes', () => {
    expect(routes.map(key)).toContain('GET /api/workflows/:id/stream');
  });

  it('has Nest’s request listener (the Express app) and nothing beside it or in front of it', () => {
    // Another listener would see every request too (a request answered twice, or past the guard).
    expect(app.getHttpServer().listeners('request')).toEqual([app.getHttpAdapter().getInstance()]);
  });

  it('leaves open exactly the health check and the login', () => {
    expect(routes.filter((route) => route.isPublic).map(key)).toEqual([...OPEN_ROUTES].sort());
  });

  it('answers every other route with a JSON 401 when no credentials are sent', async () => {
    const guarded = routes.filter((route) => !route.isPublic);
    expect(guarded.length).toBeGreaterThanOrEqual(MIN_ROUTES - OPEN_ROUTES.length);
    const answers: string[] = [];
    for (const route of guarded) {
      const sendsBody = route.method === 'POST' || route.method === 'PATCH' || route.method === 'PUT';
      const response = await call(route.method, fillParams(route.path), sendsBody ? { body: '{}' } : {});
      const type = response.headers.get('content-type') ?? '';
      const body = type.startsWith('application/json')
        ? ((await response.json()) as { statusCode?: number })
        : await response.text();
      const ok = response.status === 401 && typeof body === 'object' && body.statusCode === 401;
      answers.push(`${key(route)} -> ${ok ? '401 JSON' : `${response.status} ${type}`}`);
    }
    expect(answers).toEqual(guarded.map((route) => `${key(route)} -> 401 JSON`));
  });

  it('answers the health check without credentials', async () => {
    const response = await call('GET', '/api/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', store: 'ok' });
  });

  describe('refuses before looking at the request', () => {
    it('a workflow definition that fails validation is a 401, not a 400', async () => {
      const response = await call('POST', '/api/workflows', {
        body: JSON.stringify({ name: 42, agents: [], unknownField: true }),
      });
      await expectJson401(response);
    });

    it('a body over 1 MiB is a 401, not a 400 or 413', async () => {
      const response = await call('POST', '/api/workflows', {
        body: JSON.stringify({ name: 'x'.repeat(1_100_000) }),
      });
      await expectJson401(response);
    });

    it('a body that is not JSON is a 401, not a 400', async () => {
      const response = await call('POST', '/api/workflows', { body: '{"name":' });
      await expectJson401(response);
    });

    it('a malformed workflow id is a 401, not a 400', async () => {
      await expectJson401(await call('GET', '/api/workflows/42'));
    });
  });

  describe('with a valid API token', () => {
    let token: string;

    beforeAll(async () => {
      const login = await call('POST', '/api/auth/login', {
        body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
      });
      expect(login.status).toBe(200);
      const cookie = login.headers
        .getSetCookie()
        .map((header) => header.split(';')[0])
        .find((pair) => pair.startsWith(`${SESSION_COOKIE}=`));
      expect(cookie).toBeDefined();
      const created = await call('POST', '/api/auth/tokens', {
        headers: { Cookie: cookie as string, [CSRF_HEADER]: CSRF_HEADER_VALUE },
        body: JSON.stringify({ name: 'route-guard' }),
      });
      expect(created.status).toBe(201);
      token = ((await created.json()) as CreateTokenResponse).token;
    });

    it('authenticates it in the Authorization header', async () => {
      const response = await call('GET', '/api/auth/me', { headers: { Authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ user: { username: 'admin', role: 'admin' } });
    });

    it('refuses it in the query string (?access_token=)', async () => {
      await expectJson401(await call('GET', `/api/auth/me?access_token=${encodeURIComponent(token)}`));
    });

    it('refuses a header bearer request that also carries ?access_token=', async () => {
      const response = await call('GET', `/api/auth/me?access_token=${encodeURIComponent(token)}`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      await expectJson401(response);
    });

    it('refuses a header bearer request with an empty ?access_token=', async () => {
      const response = await call('GET', '/api/auth/me?access_token=', {
        headers: { Authorization: `Bearer ${token}` },
      });
      await expectJson401(response);
    });
  });
});
