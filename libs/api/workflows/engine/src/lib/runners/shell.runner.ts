import { Injectable } from '@nestjs/common';
import type { AgentDefinition, ShellRunnerDefinition } from '@flowcast/shared-contract';
import { AgentFailedError, AgentRunner, RunnerContext, RunnerOutcome } from './agent-runner';
import { childEnv, runChild } from './child-process';

/** stderr lines kept for the failure message. */
const STDERR_TAIL = 5;
/** stdout lines kept as the agent's output. */
const OUTPUT_TAIL = 20;

/**
 * Runs a command without a shell, in its own process group. stdout lines are `info` log lines, stderr lines
 * `warn`; the latest line of either is the agent's progress. Exit 0 completes the agent; anything else fails
 * it with the exit code (or signal) and the last stderr lines. Admins only (checked at creation).
 */
@Injectable()
export class ShellRunner implements AgentRunner<ShellRunnerDefinition> {
  readonly type = 'shell' as const;

  async run(
    agent: AgentDefinition & { runner: ShellRunnerDefinition },
    context: RunnerContext,
  ): Promise<RunnerOutcome> {
    const { command, args = [], cwd, env, timeoutMs } = agent.runner;
    const stdoutTail: string[] = [];
    const stderrTail: string[] = [];
    const keep = (tail: string[], line: string, size: number) => {
      tail.push(line);
      if (tail.length > size) tail.shift();
    };
    let outcome;
    try {
      outcome = await runChild(
        { command, args, cwd, env: childEnv(env), timeoutMs },
        context,
        (line) => {
          context.log('info', line);
          context.progress(line);
          keep(stdoutTail, line, OUTPUT_TAIL);
        },
        (line) => {
          context.log('warn', line);
          context.progress(line, 'warn');
          keep(stderrTail, line, STDERR_TAIL);
        },
      );
    } catch (error) {
      throw new AgentFailedError(`could not start ${command}: ${(error as Error).message}`);
    }
    if (outcome.aborted) throw new AgentFailedError('stopped');
    if (outcome.timedOut) throw new AgentFailedError(`timed out after ${timeoutMs} ms${tail(stderrTail)}`);
    if (outcome.exitCode !== 0) {
      const how =
        outcome.exitCode === null
          ? `was killed by ${outcome.signal}`
          : `exited with code ${outcome.exitCode}`;
      throw new AgentFailedError(`${command} ${how}${tail(stderrTail)}`);
    }
    return { output: stdoutTail.join('\n') };
  }
}

function tail(lines: string[]): string {
  return lines.length > 0 ? `: ${lines.join('\n')}` : '';
}
