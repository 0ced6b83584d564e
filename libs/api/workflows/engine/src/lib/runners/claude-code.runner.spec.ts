import { accessSync, constants, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FlowcastConfig } from '@flowcast/api-core';
import type { AgentDefinition, ClaudeCodeRunnerDefinition, LogLevel } from '@flowcast/shared-contract';
import { AgentFailedError, type RunnerContext } from './agent-runner';
import { ClaudeCodeRunner, claudeArgs } from './claude-code.runner';

/** The fake CLI, run directly through its `#!/usr/bin/env node` line, as CLAUDE_BIN would be. */
const FAKE_CLAUDE = resolve(__dirname, '../../../../../../..', 'tools/fake-claude/fake-claude.mjs');

// Each test starts a real process; leave room for a busy machine (no test waits on a fixed sleep).
jest.setTimeout(20_000);

type ClaudeAgent = AgentDefinition & { runner: ClaudeCodeRunnerDefinition };

function agent(prompt: string, runner: Omit<ClaudeCodeRunnerDefinition, 'type'> = {}): ClaudeAgent {
  return { name: 'agent-1', role: 'developer', prompt, runner: { type: 'claude-code', ...runner } };
}

function runnerFor(claudeBin = FAKE_CLAUDE): ClaudeCodeRunner {
  return new ClaudeCodeRunner({ engine: { claudeBin } } as Pick<FlowcastConfig, 'engine'>);
}

type Entry =
  | { kind: 'log'; level: LogLevel; message: string; metadata?: Record<string, unknown>; at: number }
  | { kind: 'progress'; message: string; at: number }
  | { kind: 'cost'; delta: number; at: number };

/** A context that records every call in order, with its time; hooks let a test act at a given call. */
function recordingContext(
  hooks: { onLog?: (message: string) => void; onCost?: (total: number) => void } = {},
  controller = new AbortController(),
) {
  const entries: Entry[] = [];
  let total = 0;
  const context: RunnerContext = {
    workflowId: 'wf_AbCdEfGhIjKlMnOp',
    iteration: 1,
    signal: controller.signal,
    log: (level, message, metadata) => {
      entries.push({ kind: 'log', level, message, metadata, at: performance.now() });
      hooks.onLog?.(message);
    },
    progress: (message) => entries.push({ kind: 'progress', message, at: performance.now() }),
    reportCost: (delta) => {
      entries.push({ kind: 'cost', delta, at: performance.now() });
      total += delta;
      hooks.onCost?.(total);
    },
    capacity: () => Promise.resolve(),
  };
  const logs = (level?: LogLevel) =>
    entries.flatMap((entry) =>
      entry.kind === 'log' && (level === undefined || entry.level === level) ? [entry.message] : [],
    );
  const costs = () => entries.flatMap((entry) => (entry.kind === 'cost' ? [entry.delta] : []));
  const progress = () => entries.flatMap((entry) => (entry.kind === 'progress' ? [entry.message] : []));
  return { context, controller, entries, logs, costs, progress, totalCost: () => total };
}

function groupExists(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

describe('claudeArgs', () => {
  it('asks for print mode with stream-json and verbose output, and nothing optional when nothing is set', () => {
    expect(claudeArgs('Fix it', { type: 'claude-code' })).toEqual([
      '-p',
      'Fix it',
      '--output-format',
      'stream-json',
      '--verbose',
    ]);
  });

  it('adds the model, the turn limit and the allowed tools as one comma list', () => {
    expect(
      claudeArgs('Fix it', {
        type: 'claude-code',
        model: 'opus',
        maxTurns: 4,
        allowedTools: ['Bash', 'Read'],
      }),
    ).toEqual([
      '-p',
      'Fix it',
      '--output-format',
      'stream-json',
      '--verbose',
      '--model',
      'opus',
      '--max-turns',
      '4',
      '--allowedTools',
      'Bash,Read',
    ]);
  });

  it('leaves out an empty tool list', () => {
    expect(claudeArgs('Fix it', { type: 'claude-code', allowedTools: [] })).not.toContain('--allowedTools');
  });

  it('keeps a prompt that starts with a dash from being read as an option', () => {
    expect(claudeArgs('--help me', { type: 'claude-code' })[1]).toBe(' --help me');
  });
});

describe('ClaudeCodeRunner', () => {
  beforeAll(() => {
    // The runner starts the script directly, as it would CLAUDE_BIN: it must stay executable.
    accessSync(FAKE_CLAUDE, constants.X_OK);
  });

  it('is the runner for the claude-code type', () => {
    expect(runnerFor().type).toBe('claude-code');
  });

  it('logs text line by line and tool calls in short, shows the latest as progress, and resolves with the result', async () => {
    const recorder = recordingContext();
    const outcome = await runnerFor().run(agent('Fix the login bug'), recorder.context);

    expect(outcome).toEqual({
      output: 'Fixed: the login cookie now sets SameSite=Strict.\n\nAll login tests pass.',
    });
    const info = recorder.logs('info');
    expect(info[0]).toMatch(
      /^claude session 9d3c1c2e-\S+ started: model claude-sonnet-4-5-20250929, 10 tools, in /,
    );
    expect(info.slice(1, -1)).toEqual([
      "I'll run the failing login tests first.",
      'tool Bash: npm test -- login',
      'The session cookie is missing SameSite.',
      'Patching `src/login.ts`.',
      'tool Edit: src/login.ts',
      'Fixed: the login cookie now sets SameSite=Strict.',
      'All login tests pass.',
    ]);
    expect(recorder.progress()).toEqual([
      "I'll run the failing login tests first.",
      'tool Bash: npm test -- login',
      'Patching `src/login.ts`.',
      'tool Edit: src/login.ts',
      'All login tests pass.',
    ]);
    expect(recorder.logs('warn')).toEqual([]);
  });

  it('ends with an info line giving the number of turns, the duration and the total', async () => {
    const recorder = recordingContext();
    await runnerFor().run(agent('Fix the login bug'), recorder.context);
    const last = recorder.entries.filter((entry) => entry.kind === 'log').at(-1);
    expect(last).toMatchObject({
      level: 'info',
      message: 'claude finished (success): 3 turns, 8123 ms, total $0.0523',
      metadata: { numTurns: 3, durationMs: 8123, totalCostUsd: 0.0523 },
    });
  });

  it("charges usage estimates as messages arrive, once per API message, then tops up to the CLI's own total", async () => {
    const recorder = recordingContext();
    await runnerFor().run(agent('Fix the login bug'), recorder.context);
    const costs = recorder.costs();
    // Three API messages (each printed as two lines with the same usage), then the correction.
    expect(costs).toHaveLength(4);
    for (const delta of costs) expect(delta).toBeGreaterThan(0);
    expect(recorder.totalCost()).toBeCloseTo(0.0523, 10);
  });

  it('passes the model, the allowed tools and the working directory to the CLI', async () => {
    const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'fake-claude-')));
    try {
      const recorder = recordingContext();
      await runnerFor().run(
        agent('Fix the login bug', {
          model: 'claude-test-model',
          allowedTools: ['Bash', 'Read'],
          cwd,
          maxTurns: 5,
        }),
        recorder.context,
      );
      const init = recorder.entries.find(
        (entry) => entry.kind === 'log' && entry.message.startsWith('claude session'),
      );
      expect(init).toMatchObject({
        message: expect.stringContaining('model claude-test-model, 2 tools'),
        metadata: { model: 'claude-test-model', tools: ['Bash', 'Read'], cwd },
      });
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('passes the turn limit, and fails with error_max_turns when the CLI reaches it', async () => {
    const recorder = recordingContext();
    const run = runnerFor().run(agent('Fix the login bug', { maxTurns: 2 }), recorder.context);
    await expect(run).rejects.toThrow(AgentFailedError);
    await expect(run).rejects.toThrow('claude failed (error_max_turns) after 2 turns');
    expect(recorder.totalCost()).toBeCloseTo(0.0523, 10);
  });

  it('fails with the subtype and the result text when the result is an error, still charging its cost', async () => {
    const recorder = recordingContext();
    const run = runnerFor().run(agent('Deploy scenario:error'), recorder.context);
    await expect(run).rejects.toThrow(AgentFailedError);
    await expect(run).rejects.toThrow(
      'claude failed (error_during_execution) after 2 turns: API Error: 529 Overloaded',
    );
    expect(recorder.logs('warn')).toEqual(['tool error: bash: ./deploy.sh: Permission denied']);
    expect(recorder.totalCost()).toBeCloseTo(0.0151, 10);
  });

  it('warns about each unparsable line, stderr included, and still succeeds', async () => {
    const recorder = recordingContext();
    const outcome = await runnerFor().run(agent('Check scenario:malformed'), recorder.context);
    expect(outcome).toEqual({ output: 'Done: the configuration is valid.' });
    const warnings = recorder.logs('warn');
    const unparsable = warnings.filter((message) => message.startsWith('unparsable output: '));
    expect(unparsable).toEqual([
      'unparsable output: Claude Code v2.0.0 (fake) - a stray banner that is not JSON',
      'unparsable output: {"type":"assistant","message":{"id":"msg_03MalB","content":[{"type":"text","te',
      expect.stringMatching(/^unparsable output: at Object\.<anonymous> /),
      'unparsable output: {"type":"telemetry","event":"heartbeat","ts":1727000000}',
      'unparsable output: [1,2,3]',
    ]);
    expect(unparsable[2].length).toBe('unparsable output: '.length + 200);
    expect(warnings).toContain(
      '(node:4242) Warning: a stray warning on stderr (fake-claude malformed scenario)',
    );
    expect(recorder.logs('info')).toEqual(
      expect.arrayContaining(['Reading the configuration.', 'Done: the configuration is valid.']),
    );
    expect(recorder.totalCost()).toBeCloseTo(0.0123, 10);
  });

  it('charges each expensive message while the CLI is still running, adding up to its total', async () => {
    const recorder = recordingContext();
    const run = runnerFor().run(agent('Refactor scenario:expensive'), recorder.context);
    await run;
    const ended = performance.now();
    const costs = recorder.entries.filter((entry) => entry.kind === 'cost');
    expect(costs.map((entry) => entry.delta)).toEqual([
      ...Array.from({ length: 5 }, () => expect.closeTo(0.7875, 10)),
      expect.closeTo(0.2625, 10),
    ]);
    expect(recorder.totalCost()).toBeCloseTo(4.2, 10);
    // The estimates came before the result line was read: they count against a budget during the run.
    const finished = recorder.entries.findIndex(
      (entry) => entry.kind === 'log' && entry.message.startsWith('claude finished'),
    );
    const firstFive = recorder.entries
      .flatMap((entry, index) => (entry.kind === 'cost' ? [index] : []))
      .slice(0, 5);
    for (const index of firstFive) expect(index).toBeLessThan(finished);
    // The messages are 200 ms apart: the first charge came long before the process ended.
    expect(ended - costs[0].at).toBeGreaterThan(600);
  });

  it('stops the CLI mid-run when a charge trips the budget and its signal is aborted', async () => {
    const controller = new AbortController();
    const budget = new Error('budget exceeded');
    const recorder = recordingContext(
      {
        onCost: (total) => {
          if (total > 1 && !controller.signal.aborted) controller.abort(budget);
        },
      },
      controller,
    );
    const run = runnerFor().run(agent('Refactor scenario:expensive'), recorder.context);
    await expect(run).rejects.toBe(budget);
    expect(recorder.costs().length).toBeLessThan(5);
    expect(recorder.totalCost()).toBeGreaterThan(1);
    expect(recorder.logs().some((message) => message.startsWith('claude finished'))).toBe(false);
  });

  it('does not charge back when its estimates exceeded the final total, and says so', async () => {
    const recorder = recordingContext();
    await expect(runnerFor().run(agent('Answer scenario:overshoot'), recorder.context)).resolves.toEqual({
      output: 'A short answer.',
    });
    expect(recorder.costs()).toEqual([expect.closeTo(0.7875, 10)]);
    expect(recorder.logs('info')).toContain(
      "claude's own total $0.5000 is $0.2875 below the $0.7875 already charged from usage estimates; the estimate stands",
    );
  });

  it('ends the whole process group within a second of an abort, rejecting with the abort reason', async () => {
    const controller = new AbortController();
    const cancelled = new Error('cancelled');
    let pid: number | undefined;
    let abortedAt = 0;
    const recorder = recordingContext(
      {
        onLog: (message) => {
          const tick = /^tick 1 \(pid (\d+)\)$/.exec(message);
          if (!tick) return;
          pid = Number(tick[1]);
          abortedAt = performance.now();
          controller.abort(cancelled);
        },
      },
      controller,
    );
    const run = runnerFor().run(agent('Work slowly scenario:slow'), recorder.context);
    await expect(run).rejects.toBe(cancelled);
    expect(performance.now() - abortedAt).toBeLessThan(1_000);
    expect(pid).toBeDefined();
    expect(groupExists(pid as number)).toBe(false);
  });

  it('rejects at once, starting nothing, when its signal is already aborted', async () => {
    const controller = new AbortController();
    const cancelled = new Error('cancelled');
    controller.abort(cancelled);
    const recorder = recordingContext({}, controller);
    await expect(runnerFor().run(agent('Work slowly scenario:slow'), recorder.context)).rejects.toBe(
      cancelled,
    );
    expect(recorder.entries).toEqual([]);
  });

  it('fails with a timeout after timeoutMs, having ended the CLI', async () => {
    const recorder = recordingContext();
    const started = performance.now();
    const run = runnerFor().run(agent('Work slowly scenario:slow', { timeoutMs: 400 }), recorder.context);
    await expect(run).rejects.toThrow(AgentFailedError);
    await expect(run).rejects.toThrow('timed out after 400 ms');
    expect(performance.now() - started).toBeLessThan(3_000);
    const pid = Number(
      /\(pid (\d+)\)/.exec(recorder.logs('info').find((line) => line.startsWith('tick')) ?? '')?.[1],
    );
    expect(groupExists(pid)).toBe(false);
  });

  it('fails naming the exit code and the last stderr lines when the CLI exits without a result', async () => {
    const recorder = recordingContext();
    const run = runnerFor().run(agent('Migrate scenario:exit'), recorder.context);
    await expect(run).rejects.toThrow(AgentFailedError);
    await expect(run).rejects.toThrow(
      'claude exited with code 3 without a result: fake-claude: lost the connection to the API (simulated crash)',
    );
    expect(recorder.logs('info')).toContain('Starting on the migration.');
    expect(recorder.logs('warn')).toEqual(['fake-claude: lost the connection to the API (simulated crash)']);
  });

  it('fails saying where it looked when the CLI is not installed', async () => {
    const run = runnerFor('/nonexistent/bin/claude').run(agent('Fix it'), recordingContext().context);
    await expect(run).rejects.toThrow(AgentFailedError);
    await expect(run).rejects.toThrow('claude CLI not found at /nonexistent/bin/claude');
    await expect(
      runnerFor('flowcast-no-such-claude-cli').run(agent('Fix it'), recordingContext().context),
    ).rejects.toThrow('claude CLI not found at flowcast-no-such-claude-cli');
  });

  it('fails naming a working directory that does not exist, rather than blaming the CLI', async () => {
    const run = runnerFor().run(
      agent('Fix it', { cwd: '/nonexistent/work/dir' }),
      recordingContext().context,
    );
    await expect(run).rejects.toThrow(AgentFailedError);
    await expect(run).rejects.toThrow('working directory not found: /nonexistent/work/dir');
  });
});
