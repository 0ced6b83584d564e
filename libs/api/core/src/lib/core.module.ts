import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ClusterBus } from './cluster/cluster-bus';
import { InstanceLiveness } from './cluster/instance-liveness';
import { RedisClients } from './cluster/redis-clients';
import { FLOWCAST_CONFIG, FlowcastConfig } from './config/flowcast-config';
import { StoreConnection } from './database/store-connection';
import { StoreFaults } from './database/store-faults';
import { HealthController } from './health/health.controller';
import { StoreUnavailableFilter } from './http/store-unavailable.filter';
import { FlowcastMetrics } from './metrics/flowcast-metrics';

export interface CoreModuleOptions {
  config: FlowcastConfig;
  /** Opened (and migrated) by the bootstrap, so that a bad store fails start-up with one line. */
  store: StoreConnection;
  /** Connected by the bootstrap when REDIS_URL is set (a cluster); absent for one process on its own. */
  redis?: RedisClients | null;
}

/**
 * Configuration, logging, the store, Redis (in a cluster), metrics and the health check: what every other
 * module builds on. Without REDIS_URL, `RedisClients`, `ClusterBus` and `InstanceLiveness` are provided as
 * null, and whoever injects them (optionally) works on its own.
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot({ config, store, redis = null }: CoreModuleOptions): DynamicModule {
    return {
      module: CoreModule,
      controllers: [HealthController],
      providers: [
        { provide: FLOWCAST_CONFIG, useValue: config },
        { provide: StoreConnection, useValue: store },
        { provide: RedisClients, useValue: redis },
        { provide: ClusterBus, useFactory: () => (redis ? new ClusterBus(redis) : null) },
        { provide: InstanceLiveness, useFactory: () => (redis ? new InstanceLiveness(redis) : null) },
        FlowcastMetrics,
        StoreFaults,
        { provide: APP_FILTER, useClass: StoreUnavailableFilter },
      ],
      exports: [
        FLOWCAST_CONFIG,
        StoreConnection,
        RedisClients,
        ClusterBus,
        InstanceLiveness,
        FlowcastMetrics,
        StoreFaults,
      ],
    };
  }
}
