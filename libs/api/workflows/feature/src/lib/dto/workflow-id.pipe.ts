import { Injectable, PipeTransform } from '@nestjs/common';
import { badRequest } from '@flowcast/api-core';
import { isWorkflowId } from '@flowcast/shared-contract';

/** The id itself, or a 400 when the server cannot have issued it (CONTRACT §3), before anything is looked up. */
export function assertWorkflowId(value: unknown): string {
  if (typeof value !== 'string' || !isWorkflowId(value)) {
    throw badRequest([
      { field: 'id', errors: ['id must be a workflow id: wf_ and 16 letters, digits, - or _'] },
    ]);
  }
  return value;
}

@Injectable()
export class WorkflowIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    return assertWorkflowId(value);
  }
}
