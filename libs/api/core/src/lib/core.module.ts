import { DynamicModule, Global, Module, RequestMethod } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { BodyErrorInterceptor } from './http/body-errors';
import { FLOWCAST_CONFIG, FlowcastConfig } from './config/flowcast-config';
import { StoreConnection } from './database/store-connection';
import { HealthController } from './health/health.controller';
import { FlowcastMetrics } from './metrics/flowcast-metrics';

/** Query parameters a careless client may put a credential in: their values never reach the log. */
const CREDENTIAL_PARAM = /([?&](?:access_token|token|api_key|apikey|session|password)=)[^&#]*/gi;

function redactUrl(url: string): string {
  const redacted = url.replace(CREDENTIAL_PARAM, '$1[redacted]');
  return redacted.length > 300 ? `${redacted.slice(0, 300)}…` : redacted;
}

export interface CoreModuleOptions {
  config: FlowcastConfig;
  /** Opened (and migrated) by the bootstrap, so that a bad store fails start-up with one line. */
  store: StoreConnection;
}

/** Configuration, logging, the store, metrics and the health check: what every other module builds on. */
@Global()
@Module({})
export class CoreModule {
  static forRoot({ config, store }: CoreModuleOptions): DynamicModule {
    return {
      module: CoreModule,
      imports: [
        LoggerModule.forRoot({
          // Express 5 path syntax (the default '*' makes Nest print a conversion warning at start).
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
          pinoHttp: {
            level: config.logLevel,
            // Request lines for the health probe are noise; everything else is logged once, on completion.
            autoLogging: { ignore: (req) => req.url === '/api/health' },
            redact: {
              paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
              censor: '[redacted]',
            },
            serializers: {
              req: (req: { id: unknown; method: string; url: string }) => ({
                id: req.id,
                method: req.method,
                url: redactUrl(req.url),
              }),
            },
          },
        }),
      ],
      controllers: [HealthController],
      providers: [
        { provide: FLOWCAST_CONFIG, useValue: config },
        { provide: StoreConnection, useValue: store },
        { provide: APP_INTERCEPTOR, useClass: BodyErrorInterceptor },
        FlowcastMetrics,
      ],
      exports: [FLOWCAST_CONFIG, StoreConnection, FlowcastMetrics],
    };
  }
}
