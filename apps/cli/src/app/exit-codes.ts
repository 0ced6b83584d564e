import type { WorkflowStatus } from '@flowcast/shared-contract';

/** How `flowcast` ends: scripts branch on these (docs/cli.md). */
export const ExitCode = {
  completed: 0,
  failed: 1,
  cancelled: 2,
  /** Bad usage, an unreachable server, refused credentials: anything that is not a workflow's outcome. */
  error: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code of a finished workflow; a workflow that has not finished is not an outcome. */
export function exitCodeForStatus(status: WorkflowStatus): ExitCode {
  switch (status) {
    case 'completed':
      return ExitCode.completed;
    case 'failed':
      return ExitCode.failed;
    case 'cancelled':
      return ExitCode.cancelled;
    case 'pending':
    case 'running':
      return ExitCode.error;
  }
}

/** A failure the user can act on: printed as one line on stderr, and the CLI exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.error,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
