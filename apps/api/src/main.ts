import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json, type NextFunction, type Request, type Response } from 'express';
import { Logger } from 'nestjs-pino';
import { API_PREFIX, type ErrorResponse } from '@flowcast/shared-contract';
import { createValidationPipe, loadConfig, StoreConnection } from '@flowcast/api-core';
import { WorkflowEngine } from '@flowcast/api-workflows-engine';
import { StreamRegistry } from '@flowcast/api-workflows-feature';
import { AppModule } from './app/app.module';

const BODY_LIMIT = '1mb';

/** Body-parser errors (too large, malformed JSON) become the same 400 JSON as every other bad input. */
function bodyErrors(
  error: { status?: number; type?: string; message?: string },
  _req: Request,
  res: Response,
  next: NextFunction,
): void {
  if (!error || (error.status !== 400 && error.status !== 413)) return next(error);
  const tooLarge = error.type === 'entity.too.large';
  const body: ErrorResponse = {
    statusCode: 400,
    error: 'Bad Request',
    message: tooLarge ? 'body must be at most 1 MiB' : 'body must be valid JSON',
    fields: [
      { field: 'body', errors: [tooLarge ? 'body must be at most 1 MiB' : 'body must be valid JSON'] },
    ],
  };
  res.status(400).json(body);
}

async function bootstrap(): Promise<void> {
  let config;
  let store: StoreConnection;
  try {
    config = loadConfig();
    store = await StoreConnection.open(config.store);
  } catch (error) {
    // One clear line, no stack: the operator has a variable to fix.
    process.stderr.write(`flowcast: ${(error as Error).message}\n`);
    process.exit(1);
  }

  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot({ config, store }), {
    bufferLogs: true,
    bodyParser: false,
  });
  const logger = app.get(Logger);
  app.useLogger(logger);
  app.disable('x-powered-by');
  app.use(json({ limit: BODY_LIMIT }), bodyErrors);
  app.setGlobalPrefix(API_PREFIX);
  app.useGlobalPipes(createValidationPipe());

  const server = (await app.listen(config.port, config.host ?? '0.0.0.0')) as Server;
  // Streams live for up to SSE_MAX_LIFETIME_MS; Node's default request timeout must not cut them.
  server.requestTimeout = 0;
  const { port } = server.address() as AddressInfo;
  logger.log(`Flowcast listening on http://localhost:${port}/${API_PREFIX} (store: ${config.store.kind})`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: draining streams and stopping`);
    const hardStop = setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 1_500);
    hardStop.unref();
    const streams = app.get(StreamRegistry);
    const engine = app.get(WorkflowEngine);
    try {
      // Runs end first (their final events reach open streams), then streams close with a retry hint.
      await engine.shutdown(Math.max(0, config.shutdownTimeoutMs - 1_000));
      streams.shutdown();
      server.closeIdleConnections();
      await app.close();
      await store.close();
      process.exit(0);
    } catch (error) {
      logger.error(`Shutdown failed: ${(error as Error).message}`);
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

void bootstrap();
