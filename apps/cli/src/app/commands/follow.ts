import type { WorkflowDetail } from '@flowcast/shared-contract';
import { exitCodeForStatus, type ExitCode } from '../exit-codes';
import type { HttpClient } from '../http-client';
import type { Renderer } from '../renderers/renderer';
import { watchWorkflow } from '../watcher';

/** Shows a workflow through `renderer` until it finishes, and maps its outcome to the exit code. */
export async function followWorkflow(
  client: HttpClient,
  workflowId: string,
  renderer: Renderer,
  retries: number,
): Promise<ExitCode> {
  let final: WorkflowDetail | undefined;
  try {
    final = await watchWorkflow({
      client,
      workflowId,
      retries,
      onEvent: (event, view) => renderer.event(event, view),
      onNotice: (message) => renderer.notice(message),
    });
    return exitCodeForStatus(final.status);
  } finally {
    renderer.end(final);
  }
}
