import type { NestExpressApplication } from '@nestjs/platform-express';
import { json } from 'express';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  buildOpenApiDocument,
  createValidationPipe,
  deferBodyErrors,
  type FlowcastConfig,
  requestLogger,
  serveOpenApi,
} from '@flowcast/api-core';
import { isStreamRequest } from '@flowcast/api-workflows-feature';
import type { Logger } from 'pino';
import { API_PREFIX } from '@flowcast/shared-contract';

const BODY_LIMIT = '1mb';

/** Everything main.ts does to the app before listening; shared with the in-process tests so they cannot drift. */
export function configureApp(app: NestExpressApplication, config: FlowcastConfig, logger: Logger): void {
  app.use(exceptStreams(requestLogger(logger)));
  app.disable('x-powered-by');
  if (config.auth.trustProxy) app.set('trust proxy', true);
  app.use(
    exceptStreams(
      helmet({
        // HSTS and upgrade-insecure-requests only make sense where the server is reached over HTTPS.
        hsts: config.auth.cookieSecure === 'always',
        contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
      }),
    ),
  );
  if (config.auth.corsOrigins.length > 0) {
    // Exact origins only, with credentials: never `*`, never the request's own Origin reflected back.
    app.enableCors({ origin: config.auth.corsOrigins, credentials: true });
  }
  // Streams have no body (and no `req.body` is hung on them); the session cookie is read by the guard.
  app.use(exceptStreams(json({ limit: BODY_LIMIT })), deferBodyErrors);
  app.setGlobalPrefix(API_PREFIX);
  app.useGlobalPipes(createValidationPipe());
  // After the prefix (the document's paths carry it) and after helmet (its CSP covers Swagger UI).
  serveOpenApi(app, buildOpenApiDocument(app));
}

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * The middleware for every request but event streams (see isStreamRequest): a stream stays open for minutes,
 * and neither a log line written when it ends nor document headers serve it. Everything else about a stream
 * request (CORS, the guard, pipes, filters, interceptors) is the same as for any route.
 */
function exceptStreams(middleware: Middleware): Middleware {
  return (req, res, next) => (isStreamRequest(req.url) ? next() : middleware(req, res, next));
}
