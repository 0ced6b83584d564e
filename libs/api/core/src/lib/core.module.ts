import { DynamicModule, Global, Module } from '@nestjs/common';
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
        FlowcastMetrics,
      ],
      exports: [FLOWCAST_CONFIG, StoreConnection, FlowcastMetrics],
    };
  }
}
