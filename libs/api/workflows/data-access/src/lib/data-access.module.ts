import { Module } from '@nestjs/common';
import { RedisClients } from '@flowcast/api-core';
import { ClusterFeed } from './cluster/cluster-feed';
import { EventLog } from './event-log';
import { EventsRepository } from './events.repository';
import { WorkflowListFeed } from './list/workflow-list-feed';
import { RetentionService } from './retention/retention.service';
import { WorkflowHub } from './workflow-hub';
import { WorkflowsRepository } from './workflows.repository';

@Module({
  providers: [
    WorkflowsRepository,
    EventsRepository,
    WorkflowHub,
    // Only in a cluster (REDIS_URL set): null otherwise, and the event log publishes to the hub alone.
    {
      provide: ClusterFeed,
      useFactory: (
        redis: RedisClients | null,
        hub: WorkflowHub,
        events: EventsRepository,
        workflows: WorkflowsRepository,
      ) => (redis ? new ClusterFeed(redis, hub, events, workflows) : null),
      inject: [{ token: RedisClients, optional: true }, WorkflowHub, EventsRepository, WorkflowsRepository],
    },
    WorkflowListFeed,
    EventLog,
    RetentionService,
  ],
  exports: [WorkflowsRepository, EventsRepository, WorkflowHub, ClusterFeed, WorkflowListFeed, EventLog],
})
export class WorkflowsDataAccessModule {}
