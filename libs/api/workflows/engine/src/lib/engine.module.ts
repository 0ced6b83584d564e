import { Module } from '@nestjs/common';
import { WorkflowsDataAccessModule } from '@flowcast/api-workflows-data-access';
import { AGENT_RUNNERS } from './runners/agent-runner';
import { SimulatedRunner } from './runners/simulated.runner';
import { WorkflowEngine } from './workflow-engine';

@Module({
  imports: [WorkflowsDataAccessModule],
  providers: [
    SimulatedRunner,
    {
      provide: AGENT_RUNNERS,
      useFactory: (simulated: SimulatedRunner) => [simulated],
      inject: [SimulatedRunner],
    },
    WorkflowEngine,
  ],
  exports: [WorkflowEngine],
})
export class WorkflowsEngineModule {}
