import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import type {
  WorkflowDetail,
  WorkflowEventsResponse,
  WorkflowListResponse,
  WorkflowLogsResponse,
} from '@flowcast/shared-contract';
import { WorkflowDefinitionDto } from './dto/workflow-definition.dto';
import { CreateWorkflowQueryDto, EventPageQueryDto, ListWorkflowsQueryDto } from './dto/query.dto';
import { WorkflowIdPipe } from './dto/workflow-id.pipe';
import { WorkflowsService } from './workflows.service';

@Controller('workflows')
export class WorkflowsController {
  constructor(private readonly workflows: WorkflowsService) {}

  @Post()
  create(
    @Body() definition: WorkflowDefinitionDto,
    @Query() query: CreateWorkflowQueryDto,
  ): Promise<WorkflowDetail> {
    return this.workflows.create(definition, { start: query.start });
  }

  @Get()
  list(@Query() query: ListWorkflowsQueryDto): Promise<WorkflowListResponse> {
    return this.workflows.list(query);
  }

  @Get(':id')
  get(@Param('id', WorkflowIdPipe) id: string): Promise<WorkflowDetail> {
    return this.workflows.get(id);
  }

  @Post(':id/start')
  @HttpCode(202)
  start(@Param('id', WorkflowIdPipe) id: string): Promise<WorkflowDetail> {
    return this.workflows.start(id);
  }

  @Post(':id/cancel')
  @HttpCode(202)
  cancel(@Param('id', WorkflowIdPipe) id: string): Promise<WorkflowDetail> {
    return this.workflows.cancel(id);
  }

  @Get(':id/logs')
  logs(
    @Param('id', WorkflowIdPipe) id: string,
    @Query() query: EventPageQueryDto,
  ): Promise<WorkflowLogsResponse> {
    return this.workflows.logs(id, query.after, query.limit);
  }

  @Get(':id/events')
  events(
    @Param('id', WorkflowIdPipe) id: string,
    @Query() query: EventPageQueryDto,
  ): Promise<WorkflowEventsResponse> {
    return this.workflows.events(id, query.after, query.limit);
  }
}
