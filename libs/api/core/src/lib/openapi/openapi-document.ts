import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { CONTRACT_SCHEMAS, CSRF_HEADER, CSRF_HEADER_VALUE, SESSION_COOKIE } from '@flowcast/shared-contract';
import { UNAUTHORIZED_RESPONSE } from './openapi-responses';

/** Swagger UI; the document itself is at DOCS_JSON_PATH. Both outside the global access guard. */
export const DOCS_PATH = '/api/docs';
export const DOCS_JSON_PATH = '/api/docs/openapi.json';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * The OpenAPI 3.1 description of every route, from the controllers' decorators and the contract's
 * schemas. Built from the running app (its global prefix included), so a route added later is in it or
 * the coverage test fails.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Flowcast API')
    .setDescription(
      'Agent workflows and their live event streams. Every route but `GET /api/health` and ' +
        '`POST /api/auth/login` needs credentials: a personal API token as `Authorization: Bearer <token>`, ' +
        `or the console's session cookie (then state-changing requests also carry \`${CSRF_HEADER}: ` +
        `${CSRF_HEADER_VALUE}\`). Credentials are never accepted in a URL. The streams are described in ` +
        'docs/stream-protocol.md; their event payloads are the `*Data` schemas below.',
    )
    .setVersion('1')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'A personal API token (`POST /api/auth/tokens`)' },
      'bearer',
    )
    .addCookieAuth(
      SESSION_COOKIE,
      {
        type: 'apiKey',
        in: 'cookie',
        name: SESSION_COOKIE,
        description: `The console's session (\`POST /api/auth/login\`); state-changing requests also send \`${CSRF_HEADER}: ${CSRF_HEADER_VALUE}\``,
      },
      'session',
    )
    // Either one: a list of requirements is "any of these". Public routes override it with `[{}]`.
    .addSecurityRequirements('bearer')
    .addSecurityRequirements('session')
    .build();
  config.components = { ...config.components, schemas: CONTRACT_SCHEMAS };
  const document = SwaggerModule.createDocument(app, config);
  addUnauthorizedResponses(document);
  return document;
}

/** Every operation that needs credentials can answer 401: said once here rather than on every route. */
function addUnauthorizedResponses(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      const isPublic = operation?.security?.length === 1 && Object.keys(operation.security[0]).length === 0;
      if (operation && !isPublic) operation.responses['401'] ??= UNAUTHORIZED_RESPONSE;
    }
  }
}

/**
 * Serves Swagger UI at DOCS_PATH and the JSON at DOCS_JSON_PATH. Plain Express routes (not controllers),
 * so the global guard does not see them: the description is public, as it holds no data (docs/api.md).
 * Its assets come from swagger-ui-dist on this server (helmet's CSP allows only 'self'); the validator
 * badge, which would load an image from swagger.io, is off.
 */
export function serveOpenApi(app: INestApplication, document: OpenAPIObject): void {
  SwaggerModule.setup(DOCS_PATH.slice(1), app, document, {
    jsonDocumentUrl: DOCS_JSON_PATH.slice(1),
    raw: ['json'],
    customSiteTitle: 'Flowcast API',
    swaggerOptions: { validatorUrl: null },
  });
}
