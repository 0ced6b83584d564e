import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import { json } from 'express';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createValidationPipe,
  deferBodyErrors,
  type FlowcastConfig,
  isStreamRequest,
  requestLogger,
} from '@flowcast/api-core';
import type { Logger } from 'pino';
import { API_PREFIX } from '@flowcast/shared-contract';

const BODY_LIMIT = '1mb';

/** Everything main.ts does to the app before listening; shared with the in-process tests so they cannot drift. */
export function configureApp(app: NestExpressApplication, config: FlowcastConfig, logger: Logger): void {
  app.use(requestLogger(logger));
  app.disable('x-powered-by');
  if (config.auth.trustProxy) app.set('trust proxy', true);
  const securityHeaders = helmet({
    // HSTS and upgrade-insecure-requests only make sense where the server is reached over HTTPS.
    hsts: config.auth.cookieSecure === 'always',
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  });
  app.use((req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => {
    // An event stream is no document: CSP and friends mean nothing to it, and the ~1.5 KB of header text
    // would be kept for as long as each stream is open. It gets nosniff (set by the stream itself).
    if (isStreamRequest(req)) next();
    else securityHeaders(req, res, next);
  });
  if (config.auth.corsOrigins.length > 0) {
    // Exact origins only, with credentials: never `*`, never the request's own Origin reflected back.
    app.enableCors({ origin: config.auth.corsOrigins, credentials: true });
  }
  app.use(cookieParser());
  app.use(json({ limit: BODY_LIMIT }), deferBodyErrors);
  app.setGlobalPrefix(API_PREFIX);
  app.useGlobalPipes(createValidationPipe());
}
