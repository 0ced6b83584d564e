import type { WorkflowLogItem } from '@flowcast/shared-contract';

/**
 * One log line as plain text: `<ISO time> <LEVEL> [<agent>] <message>`. A message's own line breaks are
 * kept as `\n` escapes so that one stored line stays one line of the file (grep and `wc -l` count right).
 */
export function plainTextLine(item: WorkflowLogItem): string {
  const agent = item.agentName === undefined ? '' : ` [${item.agentName}]`;
  const message = item.message.replace(/\\/g, '\\\\').replace(/\r?\n|\r/g, '\\n');
  return `${item.timestamp} ${item.level.toUpperCase().padEnd(5)}${agent} ${message}\n`;
}

/** The pages of a log as text chunks, one chunk a page (a readable stream's worth of backpressure). */
export async function* plainTextLog(pages: AsyncIterable<WorkflowLogItem[]>): AsyncGenerator<string> {
  for await (const page of pages) {
    if (page.length > 0) yield page.map(plainTextLine).join('');
  }
}
