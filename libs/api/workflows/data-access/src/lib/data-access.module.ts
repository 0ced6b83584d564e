import { Module } from '@nestjs/common';
import { EventLog } from './event-log';
import { EventsRepository } from './events.repository';
import { WorkflowHub } from './workflow-hub';
import { WorkflowsRepository } from './workflows.repository';

@Module({
  providers: [WorkflowsRepository, EventsRepository, WorkflowHub, EventLog],
  exports: [WorkflowsRepository, EventsRepository, WorkflowHub, EventLog],
})
export class WorkflowsDataAccessModule {}
