import { Injectable, PipeTransform } from '@nestjs/common';
import { badRequest } from '@flowcast/api-core';
import { isWorkflowId } from '@flowcast/shared-contract';

/** An id the server cannot have issued is a 400, before anything is looked up (CONTRACT §3). */
@Injectable()
export class WorkflowIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !isWorkflowId(value)) {
      throw badRequest([
        { field: 'id', errors: ['id must be a workflow id: wf_ and 16 letters, digits, - or _'] },
      ]);
    }
    return value;
  }
}
