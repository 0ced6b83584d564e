import { clientFor, type CliContext, type GlobalOptions } from '../context';
import type { ExitCode } from '../exit-codes';
import { chooseRenderer } from '../renderers/choose';
import { followWorkflow } from './follow';

export interface WatchCommandOptions {
  json: boolean;
  retries: number;
}

export function watchCommand(
  workflowId: string,
  options: WatchCommandOptions & GlobalOptions,
  context: CliContext,
): Promise<ExitCode> {
  const client = clientFor(options, context);
  return followWorkflow(client, workflowId, chooseRenderer(options.json, context), options.retries);
}
