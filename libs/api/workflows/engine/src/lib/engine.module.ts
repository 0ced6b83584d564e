import { Module } from '@nestjs/common';
import { WorkflowsDataAccessModule } from '@flowcast/api-workflows-data-access';
import { AGENT_RUNNERS, type AgentRunner } from './runners/agent-runner';
import { ClaudeCodeRunner } from './runners/claude-code.runner';
import { ShellRunner } from './runners/shell.runner';
import { SimulatedRunner } from './runners/simulated.runner';
import { WorkflowEngine } from './workflow-engine';

const RUNNERS = [SimulatedRunner, ShellRunner, ClaudeCodeRunner];

@Module({
  imports: [WorkflowsDataAccessModule],
  providers: [
    ...RUNNERS,
    { provide: AGENT_RUNNERS, useFactory: (...runners: AgentRunner[]) => runners, inject: RUNNERS },
    WorkflowEngine,
  ],
  exports: [WorkflowEngine],
})
export class WorkflowsEngineModule {}
