import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentUser, type Principal } from '@flowcast/api-auth';
import { StreamQueryDto } from '../dto/query.dto';
import { WorkflowIdPipe } from '../dto/workflow-id.pipe';
import { WorkflowStreamService } from './workflow-stream.service';

/**
 * `GET /api/workflows/:id/stream`. Not Nest's `@Sse()`: that always answers 200 once the handler returns,
 * cannot write comments or `retry:`, cannot answer 204 for a finished resume, and gives no way to see
 * write() back-pressure. So the handler writes the response itself; errors thrown before the first byte
 * still go through the exception filters as JSON.
 */
@Controller('workflows')
export class WorkflowStreamController {
  constructor(private readonly streams: WorkflowStreamService) {}

  @Get(':id/stream')
  stream(
    @CurrentUser() principal: Principal,
    @Param('id', WorkflowIdPipe) id: string,
    @Query() query: StreamQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    return this.streams.open(res, {
      workflowId: id,
      lastEventIdHeader: lastEventId,
      lastEventIdQuery: query.lastEventId,
      types: query.types,
      principal,
    });
  }
}
