import { CommanderError } from 'commander';
import type { CliContext } from './context';
import { CliError, ExitCode } from './exit-codes';
import { createProgram } from './program';

/** Runs one command line (without `node` and the script) and resolves with the exit code. */
export async function runCli(args: string[], context: CliContext): Promise<ExitCode> {
  let code: ExitCode = ExitCode.completed;
  const program = createProgram(context, (result) => (code = result));
  try {
    await program.parseAsync(args, { from: 'user' });
    return code;
  } catch (error) {
    // Commander has printed its message (or the help, or the version) already.
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.completed : ExitCode.error;
    if (error instanceof CliError) {
      context.stderr.write(`flowcast: ${error.message}\n`);
      return error.exitCode;
    }
    context.stderr.write(`flowcast: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return ExitCode.error;
  }
}
