import { stat } from 'node:fs/promises';
import { Inject, Injectable } from '@nestjs/common';
import { FLOWCAST_CONFIG, type FlowcastConfig } from '@flowcast/api-core';
import type { AgentDefinition, ClaudeCodeRunnerDefinition } from '@flowcast/shared-contract';
import { AgentFailedError, AgentRunner, RunnerContext, RunnerOutcome } from './agent-runner';
import { ChildOutcome, childEnv, runChild } from './child-process';
import {
  ClaudeStreamMessage,
  CostMeter,
  parseStreamLine,
  shorten,
  summarizeToolUse,
  textLines,
} from './claude-stream';

type ResultMessage = Extract<ClaudeStreamMessage, { kind: 'result' }>;

/** How many of the CLI's last stderr lines a failure without a result quotes. */
const STDERR_TAIL = 5;

/**
 * The command-line arguments for one agent. `-p` (print mode) takes the prompt as the next argument; a
 * prompt that starts with `-` gets a leading space, so that the CLI's option parser cannot read it as an
 * option. `--allowedTools` comes after the prompt because it takes several values.
 */
export function claudeArgs(prompt: string, runner: ClaudeCodeRunnerDefinition): string[] {
  const args = [
    '-p',
    prompt.startsWith('-') ? ` ${prompt}` : prompt,
    '--output-format',
    'stream-json',
    '--verbose',
  ];
  if (runner.model !== undefined) args.push('--model', runner.model);
  if (runner.maxTurns !== undefined) args.push('--max-turns', String(runner.maxTurns));
  if (runner.allowedTools !== undefined && runner.allowedTools.length > 0) {
    args.push('--allowedTools', runner.allowedTools.join(','));
  }
  return args;
}

const dollars = (value: number): string => `$${value.toFixed(4)}`;

/**
 * Runs the Claude Code CLI (`CLAUDE_BIN`) in print mode with `--output-format stream-json` and turns its
 * stream into log lines, progress and cost:
 *
 * - assistant text: one info line per non-empty line, the last one as progress; tool calls: a
 *   `tool <Name>: <summary>` line and progress; stderr: warn lines; anything unparsable: a warn line, and
 *   reading goes on.
 * - cost is charged as it arrives (see CostMeter): per assistant message, from a cumulative
 *   `total_cost_usd` when the message carries one, else estimated from its `usage`; the final result's
 *   `total_cost_usd` tops the sum up to the CLI's own figure (never down).
 * - the outcome: a result with `is_error: false` completes the agent with the result text as its output;
 *   an error result, an exit without a result, a timeout or a missing binary throw AgentFailedError; an
 *   abort (cancel, budget, shutdown) ends the process group and rethrows the signal's reason.
 */
@Injectable()
export class ClaudeCodeRunner implements AgentRunner<ClaudeCodeRunnerDefinition> {
  readonly type = 'claude-code' as const;

  constructor(@Inject(FLOWCAST_CONFIG) private readonly config: Pick<FlowcastConfig, 'engine'>) {}

  async run(
    agent: AgentDefinition & { runner: ClaudeCodeRunnerDefinition },
    context: RunnerContext,
  ): Promise<RunnerOutcome> {
    const bin = this.config.engine.claudeBin;
    const { cwd, timeoutMs } = agent.runner;
    context.signal.throwIfAborted();
    // spawn reports a missing working directory as ENOENT too, indistinguishable from a missing binary.
    if (
      cwd !== undefined &&
      !(await stat(cwd).then(
        (info) => info.isDirectory(),
        () => false,
      ))
    ) {
      throw new AgentFailedError(`working directory not found: ${cwd}`);
    }

    const meter = new CostMeter(agent.runner.model);
    const stderrTail: string[] = [];
    let result: ResultMessage | undefined;

    const onMessage = (message: ClaudeStreamMessage): void => {
      switch (message.kind) {
        case 'init': {
          const parts = [
            message.model !== undefined ? `model ${message.model}` : undefined,
            message.tools !== undefined ? `${message.tools.length} tools` : undefined,
            message.cwd !== undefined ? `in ${message.cwd}` : undefined,
          ].filter((part) => part !== undefined);
          context.log('info', `claude session ${message.sessionId ?? '?'} started: ${parts.join(', ')}`, {
            sessionId: message.sessionId,
            model: message.model,
            cwd: message.cwd,
            tools: message.tools,
          });
          return;
        }
        case 'system':
          context.log('debug', `claude system message: ${message.subtype ?? '?'}`);
          return;
        case 'assistant': {
          let latest: string | undefined;
          for (const text of message.texts) {
            for (const line of textLines(text)) {
              context.log('info', line);
              latest = line;
            }
          }
          for (const tool of message.toolUses) {
            latest = summarizeToolUse(tool);
            context.log('info', latest, { tool: tool.name });
          }
          if (latest !== undefined) context.progress(shorten(latest));
          const delta = meter.assistant(message);
          if (delta > 0) context.reportCost(delta);
          return;
        }
        case 'user':
          for (const error of message.toolErrors) context.log('warn', shorten(`tool error: ${error}`));
          return;
        case 'result': {
          result = message;
          if (message.totalCostUsd !== undefined) {
            const { delta, overshoot } = meter.cumulative(message.totalCostUsd);
            if (delta > 0) context.reportCost(delta);
            if (overshoot > 0) {
              context.log(
                'info',
                `claude's own total ${dollars(message.totalCostUsd)} is ${dollars(overshoot)} below the ` +
                  `${dollars(meter.reported)} already charged from usage estimates; the estimate stands`,
              );
            }
          }
          const parts = [
            message.numTurns !== undefined ? `${message.numTurns} turns` : undefined,
            message.durationMs !== undefined ? `${message.durationMs} ms` : undefined,
            message.totalCostUsd !== undefined ? `total ${dollars(message.totalCostUsd)}` : undefined,
          ].filter((part) => part !== undefined);
          context.log('info', `claude finished (${message.subtype}): ${parts.join(', ')}`, {
            subtype: message.subtype,
            isError: message.isError,
            numTurns: message.numTurns,
            durationMs: message.durationMs,
            totalCostUsd: message.totalCostUsd,
            sessionId: message.sessionId,
          });
          return;
        }
        case 'unparsable':
          context.log('warn', `unparsable output: ${message.line.slice(0, 200)}`);
          return;
      }
    };

    const onStdout = (line: string): void => {
      try {
        const message = parseStreamLine(line);
        if (message !== undefined) onMessage(message);
      } catch (error) {
        // A line must never take the run down; say what happened and read on.
        context.log('warn', `could not handle output line: ${(error as Error).message}`);
      }
    };
    const onStderr = (line: string): void => {
      const text = line.trimEnd();
      if (text.trim() === '') return;
      context.log('warn', text);
      stderrTail.push(text);
      if (stderrTail.length > STDERR_TAIL) stderrTail.shift();
    };

    let outcome: ChildOutcome;
    try {
      outcome = await runChild(
        { command: bin, args: claudeArgs(agent.prompt, agent.runner), cwd, env: childEnv(), timeoutMs },
        context,
        onStdout,
        onStderr,
      );
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new AgentFailedError(`claude CLI not found at ${bin}`);
      if (code === 'EACCES') throw new AgentFailedError(`claude CLI at ${bin} is not executable`);
      throw new AgentFailedError(`could not start the claude CLI at ${bin}: ${(error as Error).message}`);
    }

    if (outcome.aborted || context.signal.aborted) {
      // The engine stopped the run and records why; its reason is the error.
      const reason: unknown = context.signal.reason;
      throw reason instanceof Error ? reason : new AgentFailedError('stopped');
    }
    const final = result as ResultMessage | undefined;
    if (final !== undefined) {
      if (final.isError || final.subtype.startsWith('error')) throw new AgentFailedError(resultError(final));
      return final.result !== undefined ? { output: final.result } : {};
    }
    if (outcome.timedOut) throw new AgentFailedError(`timed out after ${timeoutMs} ms`);
    const exit =
      outcome.exitCode !== null ? `exited with code ${outcome.exitCode}` : `was killed by ${outcome.signal}`;
    const stderr = stderrTail.length > 0 ? `: ${stderrTail.join(' | ')}` : '';
    throw new AgentFailedError(`claude ${exit} without a result${stderr}`);
  }
}

function resultError(result: ResultMessage): string {
  const what = result.subtype === 'success' ? 'is_error' : result.subtype;
  const details = [result.result, ...result.errors].filter(
    (text) => text !== undefined && text.trim() !== '',
  );
  const turns = result.numTurns !== undefined ? ` after ${result.numTurns} turns` : '';
  return `claude failed (${what})${turns}${details.length > 0 ? `: ${shorten(details.join('; '), 500)}` : ''}`;
}
