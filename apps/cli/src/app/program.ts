import { isWorkflowId } from '@flowcast/shared-contract';
import { Command, InvalidArgumentError, Option } from 'commander';
import { cancelCommand } from './commands/cancel';
import { loginCommand } from './commands/login';
import { logsCommand } from './commands/logs';
import { lsCommand } from './commands/ls';
import { runCommand } from './commands/run';
import { watchCommand } from './commands/watch';
import type { CliContext } from './context';
import type { ExitCode } from './exit-codes';

/** Retries of a dropped or refused connection before a watch gives up (about a minute with backoff). */
export const DEFAULT_RETRIES = 5;

function count(value: string): number {
  if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError('not a whole number');
  return Number(value);
}

function workflowId(value: string): string {
  if (!isWorkflowId(value)) throw new InvalidArgumentError('not a workflow id (wf_ and 16 characters)');
  return value;
}

const retriesOption = () =>
  new Option('--retries <n>', 'reconnection attempts before giving up')
    .argParser(count)
    .default(DEFAULT_RETRIES);

/**
 * The commands. Each action hands its exit code to `done`; usage errors are thrown by commander
 * (`exitOverride`) and mapped to exit code 3 by the caller.
 */
export function createProgram(context: CliContext, done: (code: ExitCode) => void): Command {
  const program = new Command('flowcast')
    .description('Run and watch Flowcast workflows from a terminal or a script.')
    .option(
      '--server <url>',
      'the Flowcast server (env FLOWCAST_SERVER; default: the stored one, then http://127.0.0.1:3000)',
    )
    .option('--token <token>', 'a personal API token (env FLOWCAST_TOKEN; default: the one `login` stored)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .showHelpAfterError('(run flowcast --help for usage)');
  // A command's options and its parent's (--server, --token) together.
  const globals = <T>(command: Command): T => command.optsWithGlobals<T & object>();

  program
    .command('login')
    .description('log in with a password and store a personal API token (mode 0600)')
    .option('--username <name>', 'the user name (asked for when absent)')
    .option('--password-stdin', 'read the password from stdin instead of asking', false)
    .action(async (_options, command: Command) => done(await loginCommand(globals(command), context)));

  program
    .command('run')
    .description('create and start a workflow from a definition file; prints its id')
    .argument('<definition>', 'a JSON workflow definition')
    .option('--watch', 'follow it until it ends, and exit with its outcome', false)
    .option('--json', 'with --watch: the raw events as JSON lines; without: the created workflow', false)
    .addOption(retriesOption())
    .action(async (path: string, _options, command: Command) =>
      done(await runCommand(path, globals(command), context)),
    );

  program
    .command('watch')
    .description(
      'follow a workflow from its first event until it ends; exits 0 completed, 1 failed, 2 cancelled',
    )
    .argument('<id>', 'the workflow id', workflowId)
    .option('--json', 'the raw events as JSON lines, as GET /api/workflows/:id/events returns them', false)
    .addOption(retriesOption())
    .action(async (id: string, _options, command: Command) =>
      done(await watchCommand(id, globals(command), context)),
    );

  program
    .command('ls')
    .description('list the workflows you can see, newest first')
    .option('--json', 'one workflow a line, as JSON', false)
    .option('--limit <n>', 'how many (at most 200)', count, 50)
    .action(async (_options, command: Command) => done(await lsCommand(globals(command), context)));

  program
    .command('cancel')
    .description('cancel a workflow')
    .argument('<id>', 'the workflow id', workflowId)
    .action(async (id: string, _options, command: Command) =>
      done(await cancelCommand(id, globals(command), context)),
    );

  program
    .command('logs')
    .description("print a workflow's log lines")
    .argument('<id>', 'the workflow id', workflowId)
    .option('-f, --follow', 'keep printing new lines until the workflow ends (exits with its outcome)', false)
    .addOption(retriesOption())
    .action(async (id: string, _options, command: Command) =>
      done(await logsCommand(id, globals(command), context)),
    );

  return program;
}
