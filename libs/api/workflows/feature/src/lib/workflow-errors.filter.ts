import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import type { ErrorResponse } from '@flowcast/shared-contract';
import { WorkflowNotFoundError, WorkflowStateError } from '@flowcast/api-workflows-data-access';

/** The HTTP answer to a workflows domain error: not found → 404, wrong state → 409. */
export function workflowErrorResponse(error: WorkflowNotFoundError | WorkflowStateError): ErrorResponse {
  return error instanceof WorkflowNotFoundError
    ? { statusCode: 404, error: 'Not Found', message: 'Workflow not found' }
    : { statusCode: 409, error: 'Conflict', message: error.message };
}

/** Maps the workflows domain errors to HTTP, once, for every controller. */
@Catch(WorkflowNotFoundError, WorkflowStateError)
export class WorkflowErrorsFilter implements ExceptionFilter {
  catch(error: WorkflowNotFoundError | WorkflowStateError, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const body = workflowErrorResponse(error);
    if (!res.headersSent) res.status(body.statusCode).json(body);
  }
}
