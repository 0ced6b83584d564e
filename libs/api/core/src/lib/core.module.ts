import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { BodyErrorInterceptor } from './http/body-errors';
import { FLOWCAST_CONFIG, FlowcastConfig } from './config/flowcast-config';
import { StoreConnection } from './database/store-connection';
import { HealthController } from './health/health.controller';
import { FlowcastMetrics } from './metrics/flowcast-metrics';

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
