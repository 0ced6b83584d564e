/** Workflow ids are `wf_` and 16 base64url characters: opaque, random, never sequential. */
export const WORKFLOW_ID_PATTERN = /^wf_[A-Za-z0-9_-]{16}$/;

export function isWorkflowId(value: string): boolean {
  return WORKFLOW_ID_PATTERN.test(value);
}

/** A resume cursor the server could have issued: a non-negative integer without sign or leading zeros. */
export function parseEventId(value: string): number | null {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(value)) return null;
  const id = Number(value);
  return Number.isSafeInteger(id) ? id : null;
}
