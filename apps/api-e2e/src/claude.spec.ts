import { resolve } from 'node:path';
import type { AgentDefinition } from '@flowcast/shared-contract';
import { removeDir, RunningServer, startServer } from '@flowcast/testing-e2e';

const FAKE_CLAUDE = resolve(__dirname, '../../../tools/fake-claude/fake-claude.mjs');

function claudeAgent(
  name: string,
  prompt: string,
  runner: Partial<AgentDefinition['runner']> = {},
): AgentDefinition {
  return {
    name,
    role: 'developer',
    prompt,
    runner: { type: 'claude-code', ...runner } as AgentDefinition['runner'],
  };
}

describe('the claude-code runner, through the server (fake CLI via CLAUDE_BIN)', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({ env: { CLAUDE_BIN: FAKE_CLAUDE, SSE_CLOSE_GRACE_MS: '100' } });
  });
  afterAll(async () => {
    await server.stop();
    removeDir(server.dataDir);
  });

  it('streams the agent’s text and tool calls as log lines and completes with the CLI’s cost', async () => {
    const created = await server.api.create(
      {
        name: 'claude',
        agents: [
          claudeAgent('coder', 'Fix the login bug scenario:success', {
            model: 'claude-sonnet-4-5',
            maxTurns: 10,
          }),
        ],
      },
      true,
    );
    const final = await server.api.waitForEnd(created.id);
    expect(final).toMatchObject({ status: 'completed', totalCost: 0.0523 });
    expect(final.agents[0]).toMatchObject({ status: 'completed', cost: 0.0523 });
    const events = await server.api.allEvents(created.id);
    const lines = events.flatMap((event) =>
      event.type === 'log:created'
        ? [event.data.message]
        : event.type === 'log:batch'
          ? event.data.lines.map((line) => line.message)
          : [],
    );
    expect(lines.some((line) => line.startsWith('tool Bash:'))).toBe(true);
    expect(events.some((event) => event.type === 'agent:progress')).toBe(true);
    expect(events.find((event) => event.type === 'agent:completed')?.data).toMatchObject({
      agentName: 'coder',
      cost: 0.0523,
    });
  });

  it('fails the agent with the CLI’s error result', async () => {
    const created = await server.api.create(
      { name: 'claude-error', agents: [claudeAgent('coder', 'scenario:error')] },
      true,
    );
    const final = await server.api.waitForEnd(created.id);
    expect(final.status).toBe('failed');
    expect(final.error).toMatch(/error_during_execution/);
  });

  it('counts costs as they arrive: a $1 budget trips mid-run and stops the CLI', async () => {
    const created = await server.api.create(
      { name: 'claude-budget', budgetLimit: 1, agents: [claudeAgent('coder', 'scenario:expensive')] },
      true,
    );
    const final = await server.api.waitForEnd(created.id);
    const events = await server.api.allEvents(created.id);
    const types = events.map((event) => event.type);
    expect(types).toContain('budget:warning');
    expect(types).toContain('budget:exceeded');
    expect(final.status).toBe('failed');
    expect(final.error).toMatch(/budget exceeded/);
    // Stopped before the CLI's final result ($4.20) could be charged.
    expect(final.totalCost).toBeGreaterThan(1);
    expect(final.totalCost).toBeLessThan(4.2);
  });
});
