import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuthModule } from '@flowcast/api-auth';
import { WorkflowsDataAccessModule } from '@flowcast/api-workflows-data-access';
import { WorkflowsEngineModule } from '@flowcast/api-workflows-engine';
import { DemoSeeder } from './demo-seeder';
import { MetricsController } from './metrics/metrics.controller';
import { WorkflowMetrics } from './metrics/workflow-metrics';
import { StreamRegistry } from './stream/stream-registry';
import { WorkflowListStreamService } from './stream/workflow-list-stream.service';
import { WorkflowStreamService } from './stream/workflow-stream.service';
import { WorkflowErrorsFilter } from './workflow-errors.filter';
import { WorkflowsController } from './workflows.controller';
import { WorkflowsService } from './workflows.service';

@Module({
  imports: [AuthModule, WorkflowsDataAccessModule, WorkflowsEngineModule],
  controllers: [WorkflowsController, MetricsController],
  providers: [
    WorkflowsService,
    WorkflowStreamService,
    WorkflowListStreamService,
    StreamRegistry,
    DemoSeeder,
    WorkflowMetrics,
    { provide: APP_FILTER, useClass: WorkflowErrorsFilter },
  ],
  exports: [StreamRegistry, WorkflowsService],
})
export class WorkflowsFeatureModule {}
