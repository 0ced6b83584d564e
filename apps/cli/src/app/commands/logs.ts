import { PAGE_LIMIT } from '@flowcast/shared-contract';
import { clientFor, type CliContext, type GlobalOptions } from '../context';
import { ExitCode } from '../exit-codes';
import { formatLogLine } from '../log-lines';
import { PlainRenderer } from '../renderers/plain-renderer';
import { followWorkflow } from './follow';

export interface LogsCommandOptions {
  follow: boolean;
  retries: number;
}

/**
 * Every log line so far, page by page; with `--follow`, the stream instead, from the first line until the
 * workflow ends (then the exit code is its outcome, as for `watch`).
 */
export async function logsCommand(
  workflowId: string,
  options: LogsCommandOptions & GlobalOptions,
  context: CliContext,
): Promise<ExitCode> {
  const client = clientFor(options, context);
  if (options.follow) {
    return followWorkflow(
      client,
      workflowId,
      new PlainRenderer(context.stdout, context.stderr, false),
      options.retries,
    );
  }
  // A page never splits an event's lines, so a short page is not the last one: only an empty one is.
  for (let after = 0; ; ) {
    const { items } = await client.logs(workflowId, after, PAGE_LIMIT.max);
    if (items.length === 0) return ExitCode.completed;
    context.stdout.write(`${items.map(formatLogLine).join('\n')}\n`);
    after = items[items.length - 1].id;
  }
}
