import type { Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { config as rxjsConfig } from 'rxjs';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { API_PREFIX } from '@flowcast/shared-contract';
import {
  createLogger,
  loadConfig,
  PinoLoggerService,
  RedisClients,
  StoreConnection,
} from '@flowcast/api-core';
import { WorkflowEngine } from '@flowcast/api-workflows-engine';
import { StreamRegistry } from '@flowcast/api-workflows-feature';
import { AppModule } from './app/app.module';
import { answerMalformedRequests } from './app/client-errors';
import { configureApp } from './app/configure-app';

async function bootstrap(): Promise<void> {
  let config;
  let store: StoreConnection;
  let redis: RedisClients | null = null;
  try {
    config = loadConfig();
    store = await StoreConnection.open(config.store);
    if (config.cluster) {
      try {
        redis = await RedisClients.open(config.cluster);
      } catch (error) {
        await store.close();
        throw error;
      }
    }
  } catch (error) {
    // One clear line, no stack: the operator has a variable to fix.
    process.stderr.write(`flowcast: ${(error as Error).message}\n`);
    process.exit(1);
  }

  const pino = createLogger(config);
  const nestLogger = new PinoLoggerService(pino);
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot({ config, store, redis, consoleDir: join(__dirname, '..', 'console', 'browser') }),
    { logger: nestLogger, bodyParser: false },
  );
  configureApp(app, config, pino);
  const logger = nestLogger;
  // An observer that throws (a bug) is isolated by RxJS and reported here, instead of on a timer that
  // would crash the process: log it and keep serving.
  rxjsConfig.onUnhandledError = (error: unknown) =>
    logger.error(`Unhandled error in an RxJS observer: ${(error as Error)?.stack ?? String(error)}`);

  const server = (await app.listen(config.port, config.host ?? '0.0.0.0')) as Server;
  // Streams live for up to SSE_MAX_LIFETIME_MS; Node's default request timeout must not cut them.
  server.requestTimeout = 0;
  answerMalformedRequests(server);
  const { port } = server.address() as AddressInfo;
  const cluster = config.cluster ? `, cluster instance ${config.cluster.instanceId}` : '';
  logger.log(
    `Flowcast listening on http://localhost:${port}/${API_PREFIX} (store: ${config.store.kind}${cluster})`,
  );

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
      await redis?.close();
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
