import type { StreamEvent, WorkflowLogItem } from '@flowcast/shared-contract';

/**
 * The log lines an event holds, in the shape `GET /api/workflows/:id/logs` returns them (a `log:batch`
 * names its agent once; a single line may name it in its metadata), so that `watch`, `logs` and
 * `logs --follow` print the same line the same way.
 */
export function logItemsOf(event: StreamEvent): WorkflowLogItem[] {
  const id = event.id ?? 0;
  if (event.type === 'log:created') {
    const { level, message, timestamp, metadata } = event.data;
    const agentName = metadata?.['agentName'];
    return [
      { id, index: 0, level, message, timestamp, ...(typeof agentName === 'string' ? { agentName } : {}) },
    ];
  }
  if (event.type === 'log:batch') {
    const agent = event.data.agentName === undefined ? {} : { agentName: event.data.agentName };
    return event.data.lines.map((line, index) => ({ id, index, ...line, ...agent }));
  }
  return [];
}

/**
 * `<ISO time> <LEVEL> [<agent>] <message>`, the format of the server's log download. A message's own line
 * breaks become `\n` escapes, so one stored line is one printed line (grep and `wc -l` count right).
 */
export function formatLogLine(item: WorkflowLogItem): string {
  const agent = item.agentName === undefined ? '' : ` [${item.agentName}]`;
  const message = item.message.replace(/\\/g, '\\\\').replace(/\r?\n|\r/g, '\\n');
  return `${item.timestamp} ${item.level.toUpperCase().padEnd(5)}${agent} ${message}`;
}
