import type { OpenAPIObject } from '@nestjs/swagger';
import { DOCS_JSON_PATH } from '@flowcast/api-core';
import { API_PREFIX } from '@flowcast/shared-contract';
import { discoverRoutes, type Route } from './testing/discover-routes';
import { type InProcessApp, startInProcessApp } from './testing/in-process-app';

/**
 * The OpenAPI document against the routes the app really has: found from Nest's metadata (as the guard
 * test finds them), so a route added later without a description fails here.
 */

type Operation = {
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema?: object }> }>;
};

/** `/api/workflows/:id/stream` as OpenAPI writes it: `/api/workflows/{id}/stream`. */
const openApiPath = (path: string) => path.replace(/:([A-Za-z_]\w*)/g, '{$1}');
const operationKey = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

describe('the OpenAPI document', () => {
  let running: InProcessApp;
  let routes: Route[];
  let document: OpenAPIObject;

  beforeAll(async () => {
    running = await startInProcessApp({ adminPassword: 'openapi-admin-password' });
    routes = discoverRoutes(running.app, API_PREFIX);
    document = (await (await fetch(`${running.baseUrl}${DOCS_JSON_PATH}`)).json()) as OpenAPIObject;
  });

  afterAll(async () => {
    await running?.close();
  });

  const operations = (): [string, Operation][] =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item as Record<string, Operation>).map(
        ([method, operation]) => [operationKey(method, path), operation] as [string, Operation],
      ),
    );

  it('describes exactly the routes the app registers', () => {
    expect(routes.length).toBeGreaterThan(15);
    const registered = routes.map((route) => operationKey(route.method, openApiPath(route.path))).sort();
    expect(
      operations()
        .map(([key]) => key)
        .sort(),
    ).toEqual(registered);
  });

  it('gives every operation a success answer, and a 401 unless it is one of the open routes', () => {
    const publicOperations = routes
      .filter((route) => route.isPublic)
      .map((route) => operationKey(route.method, openApiPath(route.path)));
    for (const [key, operation] of operations()) {
      const statuses = Object.keys(operation.responses);
      expect({ key, success: statuses.some((status) => /^2\d\d$/.test(status)) }).toEqual({
        key,
        success: true,
      });
      // A public route says so with an empty requirement; any other may answer 401.
      const isPublic = publicOperations.includes(key);
      expect({ key, security: operation.security, has401: statuses.includes('401') }).toEqual(
        isPublic
          ? { key, security: [{}], has401: expect.any(Boolean) }
          : { key, security: undefined, has401: true },
      );
    }
    expect(publicOperations.sort()).toEqual(['GET /api/health', 'POST /api/auth/login']);
  });

  it('names both credentials: the bearer token and the session cookie', () => {
    expect(document.security).toEqual([{ bearer: [] }, { session: [] }]);
    expect(document.components?.securitySchemes).toMatchObject({
      bearer: { type: 'http', scheme: 'bearer' },
      session: { type: 'apiKey', in: 'cookie', name: 'flowcast_session' },
    });
  });
});
