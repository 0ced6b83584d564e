import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { FLOWCAST_CONFIG, type FlowcastConfig } from '@flowcast/api-core';
import { WorkflowsRepository } from '@flowcast/api-workflows-data-access';
import { DEMO_WORKFLOW } from '@flowcast/shared-contract';
import { WorkflowsService } from './workflows.service';

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
