import { readFileSync } from 'node:fs';
import type { WorkflowDefinition } from '@flowcast/shared-contract';
import { clientFor, type CliContext, type GlobalOptions } from '../context';
import { CliError, ExitCode } from '../exit-codes';
import { chooseRenderer } from '../renderers/choose';
import { followWorkflow } from './follow';

export interface RunCommandOptions {
  watch: boolean;
  json: boolean;
  retries: number;
}

/** The definition as the server takes it; the server validates it and names any bad field. */
export function readDefinition(path: string): WorkflowDefinition {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  try {
    return JSON.parse(text) as WorkflowDefinition;
  } catch (error) {
    throw new CliError(`${path} is not JSON: ${(error as Error).message}`);
  }
}

/**
 * Creates and starts a workflow. Without `--watch` it prints the new id (or, with `--json`, the workflow)
 * and exits 0; with it, it follows the run like `watch` and exits with the outcome.
 */
export async function runCommand(
  path: string,
  options: RunCommandOptions & GlobalOptions,
  context: CliContext,
): Promise<ExitCode> {
  const definition = readDefinition(path);
  const client = clientFor(options, context);
  const created = await client.create(definition, true);
  if (!options.watch) {
    context.stdout.write(options.json ? `${JSON.stringify(created)}\n` : `${created.id}\n`);
    return ExitCode.completed;
  }
  context.stderr.write(`flowcast: started ${created.id}\n`);
  return followWorkflow(client, created.id, chooseRenderer(options.json, context), options.retries);
}
