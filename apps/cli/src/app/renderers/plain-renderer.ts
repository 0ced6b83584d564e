import type { StreamEvent, WorkflowDetail } from '@flowcast/shared-contract';
import { formatLogLine, logItemsOf } from '../log-lines';
import { describeEvent } from './describe';
import type { OutputStream, Renderer } from './renderer';

/**
 * Plain lines for pipes, files and CI logs (stdout is not a terminal): every log line, and with
 * `milestones` a line for each agent start or end, budget alert and the outcome.
 */
export class PlainRenderer implements Renderer {
  constructor(
    private readonly stdout: OutputStream,
    private readonly stderr: OutputStream,
    private readonly milestones = true,
  ) {}

  event(event: StreamEvent, view: WorkflowDetail): void {
    const lines = logItemsOf(event).map(formatLogLine);
    const milestone = this.milestones ? describeEvent(event, view) : undefined;
    if (milestone !== undefined) lines.push(milestone);
    if (lines.length > 0) this.stdout.write(`${lines.join('\n')}\n`);
  }

  notice(message: string): void {
    this.stderr.write(`flowcast: ${message}\n`);
  }

  end(): void {
    // Every line was written as it came.
  }
}
