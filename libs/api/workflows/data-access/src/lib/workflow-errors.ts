/** Domain errors of the workflows feature; one exception filter maps them to HTTP answers. */
export class WorkflowNotFoundError extends Error {
  constructor(readonly workflowId: string) {
    super(`Workflow ${workflowId} not found`);
  }
}

export class WorkflowStateError extends Error {
  constructor(message: string) {
    super(message);
  }
}

/** Another writer appended to the workflow since this process last read it. */
export class ConcurrentAppendError extends Error {
  constructor(readonly workflowId: string) {
    super(`Concurrent append to workflow ${workflowId}`);
  }
}
