import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiEmptyResponse, ApiErrorResponses, ApiJsonResponse } from '@flowcast/api-core';
import { CurrentUser, type Principal } from '@flowcast/api-auth';
import type {
  WorkflowDetail,
  WorkflowEventsResponse,
  WorkflowListResponse,
  WorkflowLogsResponse,
} from '@flowcast/shared-contract';
import { WorkflowDefinitionDto } from './dto/workflow-definition.dto';
import {
  CreateWorkflowQueryDto,
  EventPageQueryDto,
  ListStreamQueryDto,
  LogPageQueryDto,
  ListWorkflowsQueryDto,
  StreamQueryDto,
} from './dto/query.dto';
import { WorkflowIdPipe } from './dto/workflow-id.pipe';
import { WorkflowListStreamService } from './stream/workflow-list-stream.service';
import { ApiWorkflowListStream, ApiWorkflowStream } from './stream/stream-openapi';
import { WorkflowStreamService } from './stream/workflow-stream.service';
import { plainTextLog } from './logs/plain-text-log';
import { WorkflowsService } from './workflows.service';

@ApiTags('workflows')
@Controller('workflows')
export class WorkflowsController {
  constructor(
    private readonly workflows: WorkflowsService,
    private readonly streams: WorkflowStreamService,
    private readonly listStreams: WorkflowListStreamService,
  ) {}

  @Post()
  @ApiJsonResponse(201, 'WorkflowDetail', 'The new workflow (`pending`, or `running` with `?start=true`)')
  @ApiErrorResponses(400, 403)
  create(
    @CurrentUser() principal: Principal,
    @Body() definition: WorkflowDefinitionDto,
    @Query() query: CreateWorkflowQueryDto,
  ): Promise<WorkflowDetail> {
    return this.workflows.create(definition, { principal, start: query.start });
  }

  @Get()
  @ApiJsonResponse(200, 'WorkflowListResponse', 'The caller’s workflows, newest first')
  @ApiErrorResponses(400)
  list(
    @CurrentUser() principal: Principal,
    @Query() query: ListWorkflowsQueryDto,
  ): Promise<WorkflowListResponse> {
    return this.workflows.list(principal, query);
  }

  /**
   * The workflows list stream (docs/stream-protocol.md, "The list stream"): the workflows the caller may
   * see, live. Declared before `:id`, which would otherwise take `stream` for an id.
   */
  @Get('stream')
  @ApiWorkflowListStream()
  listStream(
    @CurrentUser() principal: Principal,
    @Query() query: ListStreamQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.listStreams.open(res, {
      method: req.method,
      lastEventIdHeader: lastEventId,
      lastEventIdQuery: query.lastEventId,
      principal,
    });
  }

  @Get(':id')
  @ApiJsonResponse(200, 'WorkflowDetail', 'The full state, its agents and `lastEventId`')
  @ApiErrorResponses(400, 404)
  get(@CurrentUser() principal: Principal, @Param('id', WorkflowIdPipe) id: string): Promise<WorkflowDetail> {
    return this.workflows.get(id, principal);
  }

  @Post(':id/start')
  @HttpCode(202)
  @ApiJsonResponse(202, 'WorkflowDetail', 'Started (or queued behind WORKFLOW_CONCURRENCY)')
  @ApiErrorResponses(400, 404, 409)
  start(
    @CurrentUser() principal: Principal,
    @Param('id', WorkflowIdPipe) id: string,
  ): Promise<WorkflowDetail> {
    return this.workflows.start(id, principal);
  }

  @Post(':id/cancel')
  @HttpCode(202)
  @ApiJsonResponse(202, 'WorkflowDetail', 'Cancelling: `workflow:cancelled` follows on the stream')
  @ApiErrorResponses(400, 404, 409)
  cancel(
    @CurrentUser() principal: Principal,
    @Param('id', WorkflowIdPipe) id: string,
  ): Promise<WorkflowDetail> {
    return this.workflows.cancel(id, principal);
  }

  /** A new workflow from a finished one's definition (`?start=true` starts it, as on create). */
  @Post(':id/rerun')
  @ApiJsonResponse(201, 'WorkflowDetail', 'A new workflow from this one’s definition')
  @ApiErrorResponses(400, 403, 404, 409)
  rerun(
    @CurrentUser() principal: Principal,
    @Param('id', WorkflowIdPipe) id: string,
    @Query() query: CreateWorkflowQueryDto,
  ): Promise<WorkflowDetail> {
    return this.workflows.rerun(id, principal, query.start ?? false);
  }

  /** Deletes a workflow that is not running, and its events (CONTRACT §3). */
  @Delete(':id')
  @HttpCode(204)
  @ApiEmptyResponse(204, 'Deleted with its events; its streams end and list streams get `workflow:deleted`')
  @ApiErrorResponses(400, 404, 409)
  remove(@CurrentUser() principal: Principal, @Param('id', WorkflowIdPipe) id: string): Promise<void> {
    return this.workflows.remove(id, principal);
  }

  @Get(':id/logs')
  @ApiJsonResponse(200, 'WorkflowLogsResponse', 'Log lines in order, none dropped')
  @ApiErrorResponses(400, 404)
  logs(
    @CurrentUser() principal: Principal,
    @Param('id', WorkflowIdPipe) id: string,
    @Query() query: LogPageQueryDto,
  ): Promise<WorkflowLogsResponse> {
    return this.workflows.logs(id, principal, query);
  }

  /** Every log line as a plain-text attachment, streamed a page at a time (docs/workflows.md). */
  @Get(':id/logs/download')
  @ApiResponse({
    status: 200,
    description: 'Every log line as a plain-text attachment: time, level, agent, message',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  @ApiErrorResponses(400, 404)
  async downloadLogs(
    @CurrentUser() principal: Principal,
    @Param('id', WorkflowIdPipe) id: string,
    @Res() res: Response,
  ): Promise<void> {
    await this.workflows.assertVisible(id, principal);
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${id}.log"`);
    res.setHeader('Cache-Control', 'no-store');
    await pipeline(Readable.from(plainTextLog(this.workflows.allLogLines(id, principal))), res);
  }

  @Get(':id/events')
  @ApiJsonResponse(200, 'WorkflowEventsResponse', 'The stored events in order, `data` exactly as streamed')
  @ApiErrorResponses(400, 404)
  events(
    @CurrentUser() principal: Principal,
    @Param('id', WorkflowIdPipe) id: string,
    @Query() query: EventPageQueryDto,
  ): Promise<WorkflowEventsResponse> {
    return this.workflows.events(id, principal, query.after, query.limit);
  }

  /**
   * The live stream (CONTRACT §4, docs/stream-protocol.md). Guarded, validated and filtered like every
   * route; the service takes the response over and writes the stream itself (not @Sse(): see the docs).
   */
  @Get(':id/stream')
  @ApiWorkflowStream()
  stream(
    @CurrentUser() principal: Principal,
    @Param('id', WorkflowIdPipe) id: string,
    @Query() query: StreamQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.streams.open(res, {
      method: req.method,
      workflowId: id,
      lastEventIdHeader: lastEventId,
      lastEventIdQuery: query.lastEventId,
      types: query.types,
      principal,
    });
  }
}
