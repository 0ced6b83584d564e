import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import { json } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { createValidationPipe, deferBodyErrors, type FlowcastConfig } from '@flowcast/api-core';
import { API_PREFIX } from '@flowcast/shared-contract';

const BODY_LIMIT = '1mb';

/** Everything main.ts does to the app before listening; shared with the in-process tests so they cannot drift. */
export function configureApp(app: NestExpressApplication, config: FlowcastConfig): void {
  app.useLogger(app.get(Logger));
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
}
