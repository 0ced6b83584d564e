import { clientFor, type CliContext, type GlobalOptions } from '../context';
import { ExitCode } from '../exit-codes';

/** Asks the server to cancel; the run ends shortly after (a `watch` then exits 2). */
export async function cancelCommand(
  workflowId: string,
  options: GlobalOptions,
  context: CliContext,
): Promise<ExitCode> {
  const workflow = await clientFor(options, context).cancel(workflowId);
  context.stdout.write(`${workflow.id}: cancel requested (was ${workflow.status})\n`);
  return ExitCode.completed;
}
