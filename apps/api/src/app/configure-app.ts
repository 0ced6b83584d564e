import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import { json } from 'express';
import helmet from 'helmet';
import type { RequestListener, Server } from 'node:http';
import {
  createValidationPipe,
  deferBodyErrors,
  type FlowcastConfig,
  requestLogger,
} from '@flowcast/api-core';
import { StreamRequestHandler } from '@flowcast/api-workflows-feature';
import type { Logger } from 'pino';
import { API_PREFIX } from '@flowcast/shared-contract';

const BODY_LIMIT = '1mb';

/** Everything main.ts does to the app before listening; shared with the in-process tests so they cannot drift. */
export function configureApp(app: NestExpressApplication, config: FlowcastConfig, logger: Logger): void {
  app.use(requestLogger(logger));
  app.disable('x-powered-by');
  if (config.auth.trustProxy) app.set('trust proxy', true);
  app.use(
    helmet({
      // HSTS and upgrade-insecure-requests only make sense where the server is reached over HTTPS.
      hsts: config.auth.cookieSecure === 'always',
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    }),
  );
  if (config.auth.corsOrigins.length > 0) {
    // Exact origins only, with credentials: never `*`, never the request's own Origin reflected back.
    app.enableCors({ origin: config.auth.corsOrigins, credentials: true });
  }
  app.use(cookieParser());
  app.use(json({ limit: BODY_LIMIT }), deferBodyErrors);
  app.setGlobalPrefix(API_PREFIX);
  app.useGlobalPipes(createValidationPipe());
  serveStreamsFirst(app);
}

/**
 * Event streams are taken from the HTTP server's request event before Express sees them (see
 * StreamRequestHandler); everything else goes on to Express and Nest as before.
 */
function serveStreamsFirst(app: NestExpressApplication): void {
  const server = app.getHttpServer() as Server;
  const streams = app.get(StreamRequestHandler);
  const framework = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    if (streams.handle(req, res)) return;
    for (const listener of framework) listener(req, res);
  });
}
