import type { WorkflowState } from '@flowcast/shared-contract';
import { clientFor, type CliContext, type GlobalOptions } from '../context';
import { ExitCode } from '../exit-codes';
import { formatUsd } from '../renderers/describe';

export interface LsCommandOptions {
  json: boolean;
  limit: number;
}

const NAME_WIDTH = 40;

/** A fixed-width table, newest first as the server lists them. */
export function formatWorkflowTable(items: WorkflowState[]): string {
  const rows = [
    ['ID', 'NAME', 'STATUS', 'COST', 'CREATED'],
    ...items.map((item) => [
      item.id,
      item.name.length > NAME_WIDTH ? `${item.name.slice(0, NAME_WIDTH - 1)}…` : item.name,
      item.status,
      formatUsd(item.totalCost),
      item.createdAt,
    ]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The caller's workflows (an admin's: everyone's), newest first; `--json` gives one workflow a line. */
export async function lsCommand(
  options: LsCommandOptions & GlobalOptions,
  context: CliContext,
): Promise<ExitCode> {
  const { items } = await clientFor(options, context).list(options.limit);
  if (options.json) {
    for (const item of items) context.stdout.write(`${JSON.stringify(item)}\n`);
  } else {
    context.stdout.write(`${formatWorkflowTable(items)}\n`);
  }
  return ExitCode.completed;
}
