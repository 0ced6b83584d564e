import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { FLOWCAST_CONFIG, type FlowcastConfig } from '@flowcast/api-core';
import { WorkflowsRepository } from '@flowcast/api-workflows-data-access';
import type { WorkflowDefinition } from '@flowcast/shared-contract';
import { WorkflowsService } from './workflows.service';

/** A loop that passes on its second iteration: the tests fail once, the developer tries again. */
export const DEMO_WORKFLOW: WorkflowDefinition = {
  name: 'Demo: fix the login bug',
  budgetLimit: 4.5,
  maxIterations: 2,
  agents: [
    {
      name: 'developer',
      role: 'developer',
      prompt: 'Find and fix the bug that logs users out after a password change.',
      runner: { type: 'simulated', durationMs: 3_000, cost: 1.2, progressMessages: 6 },
    },
    {
      name: 'tester',
      role: 'tester',
      prompt: 'Run the test suite and report failures.',
      runner: { type: 'simulated', durationMs: 2_000, cost: 0.4, progressMessages: 4, failIterations: 1 },
      onFailure: 'retry-workflow',
    },
    {
      name: 'reviewer',
      role: 'reviewer',
      prompt: 'Review the change for correctness and style.',
      runner: { type: 'simulated', durationMs: 1_500, cost: 0.6, progressMessages: 3 },
    },
  ],
};

/** On an empty store (and unless DEMO=false), runs one demo workflow so there is something to watch. */
@Injectable()
export class DemoSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger(DemoSeeder.name);

  constructor(
    @Inject(FLOWCAST_CONFIG) private readonly config: FlowcastConfig,
    @Inject(WorkflowsRepository) private readonly repository: WorkflowsRepository,
    @Inject(WorkflowsService) private readonly workflows: WorkflowsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.demo || (await this.repository.count()) > 0) return;
    const demo = await this.workflows.create(DEMO_WORKFLOW, { start: true });
    this.logger.log(`Empty store: started demo workflow ${demo.id}`);
  }
}
