import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createLogger, loadConfig, PinoLoggerService, StoreConnection } from '@flowcast/api-core';
import { AppModule } from '../app.module';
import { configureApp } from '../configure-app';

export interface InProcessApp {
  app: NestExpressApplication;
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * The real app, configured as main.ts does, listening on a free port with its own SQLite file: for specs
 * that need Nest's internals (routes, providers) besides real HTTP. `wrap` may put the app module inside a
 * test module (to add global providers).
 */
export async function startInProcessApp(options: {
  adminPassword: string;
  wrap?: (appModule: DynamicModule) => Type<unknown>;
}): Promise<InProcessApp> {
  const dir = mkdtempSync(join(tmpdir(), 'flowcast-in-process-'));
  const config = loadConfig({
    DATABASE_URL: `sqlite:${join(dir, 'flowcast.db')}`,
    DEMO: 'false',
    ADMIN_PASSWORD: options.adminPassword,
    LOG_LEVEL: 'silent',
  });
  const store = await StoreConnection.open(config.store);
  const logger = createLogger(config);
  const appModule = AppModule.forRoot({ config, store });
  const app = await NestFactory.create<NestExpressApplication>(options.wrap?.(appModule) ?? appModule, {
    logger: new PinoLoggerService(logger),
    bodyParser: false,
  });
  configureApp(app, config, logger);
  await app.listen(0, '127.0.0.1');
  return {
    app,
    baseUrl: await app.getUrl(),
    async close() {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
